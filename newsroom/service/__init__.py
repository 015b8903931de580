"""The comment service: a small Starlette app, runnable under uvicorn, Lambda or any ASGI host."""

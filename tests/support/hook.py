"""A deploy hook on loopback that records what it was sent."""

from http.server import BaseHTTPRequestHandler


class Hook(BaseHTTPRequestHandler):
    answer = 200
    received: list

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.received.append((self.path, self.rfile.read(length)))
        self.send_response(self.answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

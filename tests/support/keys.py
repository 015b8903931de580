"""The secret key every service the tests start is given (the service needs one)."""

TEST_SECRET_KEY = "test-secret-key-for-newsroom-0123456789"

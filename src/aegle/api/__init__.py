"""FastAPI application: routers, schemas, auth dependencies, one error shape."""

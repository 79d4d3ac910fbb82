"""The API's routers, one module a resource; `citywatch.api.app.create_app` includes them."""

from ninja import NinjaAPI

api = NinjaAPI(title="Totonou API", version="1", urls_namespace="api")

/// The OpenAPI 3 description of Klaxon's HTTP API: `Sources/KlaxonService/API/openapi.yaml`
/// (also `docs/openapi.yaml`), compiled into the binary and served at `/api/v1/openapi.yaml`.
enum OpenAPIDocument {
    static var bytes: [UInt8] { PackageResources.openapi_yaml }
}

/// NekoHTTP is NekoPlugin with an HTTP client: `import NekoHTTP` brings
/// NekoPlugin (and what it brings) too, so an HTTP plugin imports one module.
@_exported import NekoPlugin

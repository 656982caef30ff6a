namespace PostTrain.Kube.Testing;

/// <summary>A request the server received, for tests that assert on what a client sent.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path without the query.</param>
/// <param name="Query">The query string, including the leading '?', or "".</param>
/// <param name="ContentType">The Content-Type header, if any.</param>
/// <param name="UserAgent">The User-Agent header, if any.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string? UserAgent);

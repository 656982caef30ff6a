using PostTrain.Api.Jobs;

namespace PostTrain.Api.Loading;

/// <summary>What <see cref="JobManifestLoader.TryLoad"/> found.</summary>
/// <param name="Jobs">The jobs of the documents without errors, in document order.</param>
/// <param name="Errors">Every error found.</param>
public sealed record ManifestLoadResult(IReadOnlyList<PostTrainJob> Jobs, IReadOnlyList<ManifestError> Errors);

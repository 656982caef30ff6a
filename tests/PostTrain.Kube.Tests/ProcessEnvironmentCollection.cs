namespace PostTrain.Kube.Tests;

/// <summary>
/// Tests that change process-wide state the official client reads itself (KUBERNETES_SERVICE_HOST/PORT, KUBECONFIG,
/// HOME, its service-account folder) run alone.
/// </summary>
[CollectionDefinition(nameof(ProcessEnvironmentCollection), DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection;

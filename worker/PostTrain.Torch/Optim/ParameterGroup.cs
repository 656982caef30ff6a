using PostTrain.Torch.NN;

namespace PostTrain.Torch.Optim;

/// <summary>Parameters that share a weight decay (e.g. norms and biases often get none).</summary>
/// <param name="Parameters">The parameters.</param>
/// <param name="WeightDecay">Their decoupled weight decay; null takes the optimiser's default.</param>
public sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double? WeightDecay = null);

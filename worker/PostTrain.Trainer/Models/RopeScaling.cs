namespace PostTrain.Trainer.Models;

/// <summary>llama3-style RoPE scaling (Llama 3.1+): long wavelengths are divided by <paramref name="Factor"/>, short ones kept, the band between blended.</summary>
/// <param name="Factor">How much the longest wavelengths are stretched.</param>
/// <param name="LowFreqFactor">Wavelengths above original_max / this are fully scaled.</param>
/// <param name="HighFreqFactor">Wavelengths below original_max / this are kept.</param>
/// <param name="OriginalMaxPositionEmbeddings">The context length the model was pre-trained with.</param>
public sealed record RopeScaling(double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

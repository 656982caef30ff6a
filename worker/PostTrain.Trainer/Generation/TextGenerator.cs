using PostTrain.Torch;
using PostTrain.Trainer.Models;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Generation;

/// <summary>
/// Batched generation with a KV cache: prompts are left-padded to a common length, prefilled in one forward pass, then
/// extended a token at a time until every sequence hits an EOS id, a stop string or its token budget.
/// </summary>
/// <param name="model">The model; generation runs without gradients and in evaluation mode.</param>
/// <param name="padTokenId">Id used for left padding and for finished rows (never attended to).</param>
/// <param name="decode">Turns generated ids into text; needed for stop strings and <see cref="GenerationResult.Text"/>.</param>
public sealed class TextGenerator(CausalLanguageModel model, int padTokenId, Func<IReadOnlyList<int>, string>? decode = null)
{
    /// <summary>Generates one continuation per prompt.</summary>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, SamplingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0)
        {
            return [];
        }

        if (prompts.Any(p => p.Count == 0))
        {
            throw new ArgumentException("every prompt needs at least one token", nameof(prompts));
        }

        if (options.StopStrings.Count > 0 && decode is null)
        {
            throw new InvalidOperationException("stop strings need a decoder");
        }

        var batch = prompts.Count;
        var promptLength = prompts.Max(p => p.Count);
        var device = model.OutputWeight.Device;
        var wasTraining = model.Training;
        model.Eval();
        var rows = Enumerable.Range(0, batch).Select(_ => new Row()).ToArray();
        try
        {
            using var outer = TorchScope.NewDisposeScope();
            using var noGrad = TorchOps.NoGrad();
            using var generator = new Generator(options.Seed);
            using var cache = new KvCache(model.Config, batch, promptLength + options.MaxNewTokens, model.DType, device);
            var inverseFrequencies = TorchOps.FromArray(RotaryEmbedding.InverseFrequencies(model.Config).Select(f => (float)f).ToArray(), model.Config.HeadDim / 2).To(device);

            var ids = new long[batch * promptLength];
            var mask = new long[batch * promptLength];
            for (var b = 0; b < batch; b++)
            {
                var offset = promptLength - prompts[b].Count;
                for (var t = 0; t < promptLength; t++)
                {
                    ids[(b * promptLength) + t] = t < offset ? padTokenId : prompts[b][t - offset];
                    mask[(b * promptLength) + t] = t < offset ? 0 : 1;
                }
            }

            var attention = TorchOps.FromArray(mask, batch, promptLength).To(device);
            var input = TorchOps.FromArray(ids, batch, promptLength).To(device);
            var eos = options.EosTokenIds.ToHashSet();
            for (var step = 0; step < options.MaxNewTokens; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = TorchScope.NewDisposeScope();
                var last = LastLogits(input, attention, cache, inverseFrequencies);
                var (next, logProbs) = TokenSampler.Sample(last, options, generator);
                var chosen = next.Cpu().ToArray<long>();
                var scores = logProbs.Cpu().ToArray<float>();
                for (var b = 0; b < batch; b++)
                {
                    rows[b].Accept((int)chosen[b], scores[b], eos, options.StopStrings, decode);
                    if (rows[b].Finished)
                    {
                        chosen[b] = padTokenId;
                    }
                }

                if (rows.All(r => r.Finished))
                {
                    break;
                }

                input = scope.MoveToOuter(TorchOps.FromArray(chosen, batch, 1).To(device));
                attention = scope.MoveToOuter(TorchOps.Cat([attention, TorchOps.Ones([batch, 1], ScalarType.Int64, device)], 1));
            }
        }
        finally
        {
            model.Train(wasTraining);
        }

        return [.. rows.Select(r => r.Result(decode))];
    }

    /// <summary>
    /// Logits [batch, vocab] of the last position: <see cref="CausalLanguageModel.HiddenStates"/>'s computation, run
    /// layer by layer with each layer's temporaries freed before the next layer runs (nothing keeps them under
    /// no-grad), so the working set stays one layer's worth and hot in cache, as in eager Python; and only the last
    /// position is normalised and projected onto the vocabulary (prefill would otherwise spend
    /// batch × promptLength × hidden × vocab multiply-adds on logits nobody reads). Tests check the log-probabilities
    /// against <see cref="SequenceScorer"/>, which runs the model's own forward pass.
    /// </summary>
    private Tensor LastLogits(Tensor input, Tensor attention, KvCache cache, Tensor inverseFrequencies)
    {
        var seq = input.Shape[1];
        var past = cache.Length;
        var positions = (attention.CumSum(-1) - 1L).Clamp(min: 0).Narrow(1, past, seq);
        var mask = CausalLanguageModel.AttentionMask(attention, past, seq);
        var (cos, sin) = RotaryEmbedding.Tables(inverseFrequencies, positions, model.DType);
        var hidden = model.Body.EmbedTokens.Forward(input);
        foreach (var layer in model.Body.Layers)
        {
            using var scope = TorchScope.NewDisposeScope();
            hidden = scope.MoveToOuter(layer.Forward(hidden, cos, sin, mask, cache));
        }

        cache.Advance(seq);
        return Functional.Linear(model.Body.Norm.Forward(hidden.Select(1, seq - 1)), model.OutputWeight);
    }

    /// <summary>The growing state of one sequence.</summary>
    private sealed class Row
    {
        private readonly List<int> _tokens = [];
        private readonly List<float> _logProbs = [];
        private FinishReason _reason = FinishReason.Length;
        private string? _text;

        public bool Finished { get; private set; }

        public void Accept(int token, float logProb, HashSet<int> eos, IReadOnlyList<string> stops, Func<IReadOnlyList<int>, string>? decode)
        {
            if (Finished)
            {
                return;
            }

            _tokens.Add(token);
            _logProbs.Add(logProb);
            if (eos.Contains(token))
            {
                Finished = true;
                _reason = FinishReason.Eos;
                return;
            }

            if (stops.Count > 0 && decode is not null)
            {
                var text = decode(_tokens);
                var cut = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
                if (cut >= 0)
                {
                    Finished = true;
                    _reason = FinishReason.Stop;
                    _text = text[..cut];
                }
            }
        }

        public GenerationResult Result(Func<IReadOnlyList<int>, string>? decode)
        {
            var text = _text;
            if (text is null && decode is not null)
            {
                text = decode(_reason == FinishReason.Eos ? _tokens.Take(_tokens.Count - 1).ToList() : _tokens);
            }

            return new GenerationResult([.. _tokens], [.. _logProbs], text, _reason);
        }
    }
}

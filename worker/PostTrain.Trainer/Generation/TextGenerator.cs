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
    /// <summary>
    /// Generates one continuation per prompt. Everything stays on the model's device: the prompts go in as one copy,
    /// tokens, log-probabilities and the finished flags are written into preallocated device buffers, and each decoding
    /// step reads back a single flag (are all rows done?) to stop early; the tokens come back in one copy at the end.
    /// Where the cache decodes in place (float32 on the CPU), that read is instead the step's vector of rows still
    /// running, and rows that emitted EOS leave the batch. With stop strings, which need text, each step reads the new
    /// ids instead and writes the next input back. Top-k sampling on the CPU reads one tie flag per step as well.
    /// </summary>
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
        var capacity = promptLength + options.MaxNewTokens;
        var device = model.OutputWeight.Device;
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            using var outer = TorchScope.NewDisposeScope();
            using var noGrad = TorchOps.NoGrad();
            using var stacked = model.StackProjections();
            using var generator = new Generator(options.Seed, device);
            var perQueryHead = device == Device.Cpu && model.DType != ScalarType.Float32; // float32 decodes in place (Functional.DecodeAttention)
            using var cache = new KvCache(model.Config, batch, capacity, model.DType, device, perQueryHead);

            // The prompts, left-padded, and the attention mask of the whole generation (ones after the prompt): one copy each.
            var ids = new long[batch * promptLength];
            var mask = new long[batch * capacity];
            for (var b = 0; b < batch; b++)
            {
                var offset = promptLength - prompts[b].Count;
                for (var t = 0; t < capacity; t++)
                {
                    if (t < promptLength)
                    {
                        ids[(b * promptLength) + t] = t < offset ? padTokenId : prompts[b][t - offset];
                    }

                    mask[(b * capacity) + t] = t < offset ? 0 : 1;
                }
            }

            var attention = TorchOps.FromArray(mask, device, batch, capacity);
            var keys = attention.Ne(0L).View(batch, 1, 1, capacity); // a decoding step's mask: every real key (itself included)
            var promptTokens = attention.Narrow(1, 0, promptLength).Sum(-1, keepDim: true, ScalarType.Int64); // [batch, 1], no copy in
            var input = TorchOps.FromArray(ids, device, batch, promptLength);
            var eos = options.EosTokenIds.Count > 0 ? TorchOps.FromArray(options.EosTokenIds.Select(i => (long)i).ToArray(), device, 1, options.EosTokenIds.Count) : null;
            var tokens = TorchOps.Full([batch, options.MaxNewTokens], padTokenId, ScalarType.Int64, device);
            var logProbs = TorchOps.Zeros([batch, options.MaxNewTokens], ScalarType.Float32, device);
            var finished = TorchOps.Zeros([batch], ScalarType.Bool, device);
            var stops = options.StopStrings.Count > 0 ? new StopStringWatch(batch, options.StopStrings, decode!, options.EosTokenIds) : null;
            var generated = 0;
            var prefilled = PrefillDistinct(prompts, ids, mask, promptLength, capacity, cache, perQueryHead);

            // Where the cache decodes in place, rows that emit EOS leave the batch: later steps compute only the rows
            // still running (rows maps them to their cache rows and to their rows of the outputs).
            var compact = cache.DecodesInPlace && stops is null && eos is not null;
            Tensor? rows = null;
            var rowPromptTokens = promptTokens;
            for (var step = 0; step < options.MaxNewTokens; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = TorchScope.NewDisposeScope();
                var last = step == 0
                    ? prefilled ?? Prefill(input, attention.Narrow(1, 0, promptLength), cache)
                    : LastLogits(input, rowPromptTokens + (step - 1L), keys.Narrow(3, 0, promptLength + step), cache); // a row's position counts its real tokens
                var (next, stepLogProbs) = TokenSampler.Sample(last, options, generator);
                Store(tokens.Select(1, step), rows, next);
                Store(logProbs.Select(1, step), rows, stepLogProbs);
                generated = step + 1;

                if (compact)
                {
                    var running = next.Unsqueeze(1).Eq(eos!).Any(-1).LogicalNot();
                    var flags = running.ToArray<bool>(); // the one read of a step
                    if (!flags.Any(f => f))
                    {
                        break;
                    }

                    if (flags.All(f => f))
                    {
                        input = scope.MoveToOuter(next.Unsqueeze(1));
                        continue;
                    }

                    var keep = running.NonZero();
                    rows = scope.MoveToOuter(rows is null ? keep : rows.IndexSelect(0, keep));
                    cache.Rows = rows;
                    rowPromptTokens = scope.MoveToOuter(rowPromptTokens.IndexSelect(0, keep));
                    input = scope.MoveToOuter(next.IndexSelect(0, keep).Unsqueeze(1));
                    continue;
                }

                // A row is finished once it has emitted an EOS id (kept as its last token) or, with stop strings, once its
                // text contains one; finished rows are fed padding, which nothing attends to.
                Tensor done;
                bool allDone;
                if (stops is not null)
                {
                    var stopped = stops.Accept(next.ToArray<long>()); // the step's ids, needed as text; EOS included
                    done = TorchOps.FromArray(stopped, device, batch);
                    allDone = stopped.All(f => f);
                }
                else if (eos is not null)
                {
                    done = finished | next.Unsqueeze(1).Eq(eos).Any(-1);
                    allDone = done.All().Item<bool>(); // the one read of a step
                }
                else
                {
                    done = finished; // nothing ends a row but its budget
                    allDone = false;
                }

                finished.CopyFrom(done);
                if (allDone)
                {
                    break;
                }

                input = scope.MoveToOuter(TorchOps.Where(done, TorchOps.FullLike(next, padTokenId), next).Unsqueeze(1));
            }

            var tokenRows = tokens.Narrow(1, 0, generated).ToArray<long>();
            var logProbRows = logProbs.Narrow(1, 0, generated).ToArray<float>();
            return [.. Enumerable.Range(0, batch).Select(b => Row(tokenRows.AsSpan(b * generated, generated), logProbRows.AsSpan(b * generated, generated), options, stops?.Cut(b)))];
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>Writes a step's values [rows] into its column of an output [batch]: row i, or row rows[i] once rows have left.</summary>
    private static void Store(Tensor column, Tensor? rows, Tensor values)
    {
        column.CopyFrom(rows is null ? values : column.Scatter(0, rows, values.To(column.DType)));
    }

    /// <summary>
    /// When some prompts repeat (RLVR samples a group of completions per prompt), runs the prefill once per distinct
    /// prompt, gives each one's keys and values to the rows of its copies (shared, not copied, where the cache decodes
    /// in place: decoding then reads a group's prompt once per step, not once per row), and returns the last logits [batch, vocab];
    /// returns null (nothing done) when every prompt is distinct. Each row's result is what its own prefill computes,
    /// up to the last bits a smaller matrix product may round differently.
    /// </summary>
    private Tensor? PrefillDistinct(IReadOnlyList<IReadOnlyList<int>> prompts, long[] ids, long[] mask, int promptLength, int capacity, KvCache cache, bool perQueryHead)
    {
        var first = new Dictionary<IReadOnlyList<int>, int>(PromptComparer.Instance);
        var rowOf = new long[prompts.Count];
        var distinct = new List<int>();
        for (var b = 0; b < prompts.Count; b++)
        {
            if (!first.TryGetValue(prompts[b], out var u))
            {
                u = distinct.Count;
                first[prompts[b]] = u;
                distinct.Add(b);
            }

            rowOf[b] = u;
        }

        if (distinct.Count == prompts.Count)
        {
            return null;
        }

        var device = model.OutputWeight.Device;
        var count = distinct.Count;
        var distinctIds = new long[count * promptLength];
        var distinctMask = new long[count * promptLength];
        for (var u = 0; u < count; u++)
        {
            Array.Copy(ids, (long)distinct[u] * promptLength, distinctIds, (long)u * promptLength, promptLength);
            Array.Copy(mask, (long)distinct[u] * capacity, distinctMask, (long)u * promptLength, promptLength);
        }

        using var scope = TorchScope.NewDisposeScope();
        var small = new KvCache(model.Config, count, promptLength, model.DType, device, perQueryHead);
        try
        {
            var logits = Prefill(TorchOps.FromArray(distinctIds, device, count, promptLength), TorchOps.FromArray(distinctMask, device, count, promptLength), small);
            var rows = TorchOps.FromArray(rowOf, device, prompts.Count);
            if (cache.DecodesInPlace)
            {
                cache.SharePrefix(small, rows); // the cache reads each prompt's keys and values from here: one copy per prompt
                small = null;
            }
            else
            {
                cache.CopyRowsFrom(small, rows);
            }

            return scope.MoveToOuter(logits.IndexSelect(0, rows));
        }
        finally
        {
            small?.Dispose();
        }
    }

    /// <summary>Prompts compared by their ids.</summary>
    private sealed class PromptComparer : IEqualityComparer<IReadOnlyList<int>>
    {
        public static readonly PromptComparer Instance = new();

        public bool Equals(IReadOnlyList<int>? x, IReadOnlyList<int>? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.SequenceEqual(y));

        public int GetHashCode(IReadOnlyList<int> obj)
        {
            var hash = default(HashCode);
            foreach (var id in obj)
            {
                hash.Add(id);
            }

            return hash.ToHashCode();
        }
    }

    /// <summary>One row's result from its generated ids: up to and including the first EOS, or to its stop string.</summary>
    private GenerationResult Row(ReadOnlySpan<long> ids, ReadOnlySpan<float> logProbs, SamplingOptions options, (int Tokens, string Text)? stop)
    {
        var count = ids.Length;
        var reason = FinishReason.Length;
        for (var t = 0; t < ids.Length; t++)
        {
            if (options.EosTokenIds.Contains((int)ids[t]))
            {
                count = t + 1;
                reason = FinishReason.Eos;
                break;
            }

            if (stop is { } s && t + 1 == s.Tokens)
            {
                count = t + 1;
                reason = FinishReason.Stop;
                break;
            }
        }

        var tokens = new int[count];
        for (var t = 0; t < count; t++)
        {
            tokens[t] = (int)ids[t];
        }

        var text = reason == FinishReason.Stop ? stop!.Value.Text
            : decode?.Invoke(reason == FinishReason.Eos ? tokens[..^1] : tokens);
        return new GenerationResult(tokens, logProbs[..count].ToArray(), text, reason);
    }

    /// <summary>
    /// Logits [batch, vocab] of the last position: <see cref="CausalLanguageModel.HiddenStates"/>'s computation, run
    /// layer by layer with each layer's temporaries freed before the next layer runs (nothing keeps them under
    /// no-grad), so the working set stays one layer's worth and hot in cache, as in eager Python; and only the last
    /// position is normalised and projected onto the vocabulary (prefill would otherwise spend
    /// batch × promptLength × hidden × vocab multiply-adds on logits nobody reads). Tests check the log-probabilities
    /// against <see cref="SequenceScorer"/>, which runs the model's own forward pass. <paramref name="positions"/>
    /// [batch, seq] and <paramref name="mask"/> [batch, 1, seq, keys] are the caller's: a decoding step derives them
    /// from the prompt lengths and a precomputed key mask instead of scanning the whole attention mask again.
    /// </summary>
    private Tensor LastLogits(Tensor input, Tensor positions, Tensor mask, KvCache cache)
    {
        var seq = input.Shape[1];
        var (cos, sin) = RotaryEmbedding.Tables(model.InverseFrequencies(input.Device), positions, model.DType);
        var hidden = model.Body.EmbedTokens.Forward(input);
        foreach (var layer in model.Body.Layers)
        {
            using var scope = TorchScope.NewDisposeScope();
            hidden = scope.MoveToOuter(layer.Forward(hidden, cos, sin, mask, cache));
        }

        cache.Advance(seq);
        return Functional.Linear(model.Body.Norm.Forward(hidden.Select(1, seq - 1)), model.OutputWeight);
    }

    /// <summary>The prompts' pass: <see cref="LastLogits"/> with positions and mask from the prompts' attention mask [batch, promptLength].</summary>
    private Tensor Prefill(Tensor input, Tensor attention, KvCache cache)
    {
        var seq = input.Shape[1];
        var positions = (attention.CumSum(-1) - 1L).Clamp(min: 0);
        return LastLogits(input, positions, CausalLanguageModel.AttentionMask(attention, 0, seq), cache);
    }

    /// <summary>
    /// Stop-string detection on the host: the ids each row has emitted so far, decoded after every step. A row stops
    /// at the first step whose text contains a stop string (its text is cut before it) or at an EOS id.
    /// </summary>
    private sealed class StopStringWatch(int batch, IReadOnlyList<string> stops, Func<IReadOnlyList<int>, string> decode, IReadOnlyList<int> eos)
    {
        private readonly List<int>[] _ids = [.. Enumerable.Range(0, batch).Select(_ => new List<int>())];
        private readonly bool[] _finished = new bool[batch];
        private readonly (int Tokens, string Text)?[] _cuts = new (int, string)?[batch];

        /// <summary>Takes the step's ids; returns which rows are now finished.</summary>
        public bool[] Accept(long[] next)
        {
            for (var b = 0; b < next.Length; b++)
            {
                if (_finished[b])
                {
                    continue;
                }

                _ids[b].Add((int)next[b]);
                if (eos.Contains((int)next[b]))
                {
                    _finished[b] = true;
                    continue;
                }

                var text = decode(_ids[b]);
                var cut = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
                if (cut >= 0)
                {
                    _finished[b] = true;
                    _cuts[b] = (_ids[b].Count, text[..cut]);
                }
            }

            return (bool[])_finished.Clone();
        }

        /// <summary>Where row <paramref name="b"/> stopped on a stop string (tokens kept, text before it), if it did.</summary>
        public (int Tokens, string Text)? Cut(int b) => _cuts[b];
    }
}

using System.Text;
using PostTrain.Trainer.Tokenizers.PreTokenization;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// A byte-level BPE tokenizer as described by a Hugging Face tokenizer.json (Qwen2/3, Llama 3, GPT-2 and
/// the built-in tokenizers) or by GPT-2's encoder.json + vocab.bpe. Encoding runs: split out added tokens
/// (when the format recognises them in text) → normalise (NFC) → pre-tokenize (Split regex / ByteLevel) →
/// byte-level BPE per piece. Decoding maps tokens back to bytes and reads them as UTF-8.
/// Create one with <see cref="TokenizerLoader"/> or <see cref="Builtin.BuiltinTokenizers"/>; instances
/// are immutable and thread-safe.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    [ThreadStatic]
    private static List<TextSpan>? t_pieces;

    [ThreadStatic]
    private static List<AddedTokenMatcher.Segment>? t_segments;

    private const int MaxRetainedScratch = 1 << 16;

    private readonly BpeModel _model;
    private readonly TokenizerPipeline _pipeline;
    private readonly AddedTokenMatcher? _matcher;
    private readonly string?[] _idToToken;
    private readonly byte[][] _idToBytes;
    private readonly bool[] _isSpecial;

    internal ByteLevelBpeTokenizer(BpeModel model, TokenizerPipeline pipeline, IReadOnlyList<AddedToken> addedTokens, SpecialTokens specialTokens, string source)
    {
        _model = model;
        _pipeline = pipeline;
        Source = source;
        AddedTokens = addedTokens.OrderBy(t => t.Id).ToArray();
        SpecialTokens = specialTokens;
        var maxId = -1;
        foreach (var id in model.Vocab.Values)
        {
            maxId = Math.Max(maxId, id);
        }

        foreach (var token in AddedTokens)
        {
            maxId = Math.Max(maxId, token.Id);
        }

        VocabSize = maxId + 1;
        _idToToken = new string?[VocabSize];
        foreach (var (token, id) in model.Vocab)
        {
            _idToToken[id] = token;
        }

        _isSpecial = new bool[VocabSize];
        foreach (var token in AddedTokens)
        {
            _idToToken[token.Id] = token.Content;
            _isSpecial[token.Id] = token.Special;
        }

        _idToBytes = new byte[VocabSize][];
        var scratch = new List<byte>(64);
        for (var id = 0; id < VocabSize; id++)
        {
            var token = _idToToken[id];
            if (token is null)
            {
                _idToBytes[id] = [];
                continue;
            }

            scratch.Clear();
            // As Hugging Face's ByteLevel decoder: a token whose characters are all in the byte alphabet is
            // read as bytes; any other token (an added token such as "<think>" in CJK, say) as its UTF-8.
            _idToBytes[id] = ByteLevelAlphabet.TryDecode(token, scratch) ? scratch.ToArray() : Encoding.UTF8.GetBytes(token);
        }

        var matchable = AddedTokens.Where(t => !string.IsNullOrEmpty(t.Content)).ToArray();
        _matcher = pipeline.RecognizeAddedTokensInText && matchable.Length > 0 ? new AddedTokenMatcher(matchable) : null;
    }

    /// <summary>Where the tokenizer was loaded from (a path, or builtin://...).</summary>
    public string Source { get; }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public SpecialTokens SpecialTokens { get; }

    /// <inheritdoc />
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>True when added tokens written in text are encoded as their single ids (tokenizer.json); false for GPT-2's vocab.bpe files, where they are ordinary text.</summary>
    public bool RecognizesAddedTokensInText => _pipeline.RecognizeAddedTokensInText;

    internal BpeModel Model => _model;

    internal TokenizerPipeline Pipeline => _pipeline;

    /// <inheritdoc />
    public int[] Encode(string text) => Encode(text, addSpecialTokens: false);

    /// <summary>
    /// Encodes text; with <paramref name="addSpecialTokens"/> the post-processor's tokens are added around it
    /// (for example Llama 3's <c>&lt;|begin_of_text|&gt;</c>), as Hugging Face's <c>add_special_tokens=True</c>.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>((text.Length / 3) + 8);
        if (addSpecialTokens)
        {
            ids.AddRange(_pipeline.PrefixIds);
        }

        EncodeInto(text, ids);
        if (addSpecialTokens)
        {
            ids.AddRange(_pipeline.SuffixIds);
        }

        return ids.ToArray();
    }

    /// <summary>Encodes <paramref name="text"/> (no post-processor tokens) and appends the ids to <paramref name="output"/>.</summary>
    public void EncodeInto(string text, List<int> output)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(output);
        if (text.Length == 0)
        {
            return;
        }

        if (_matcher is null)
        {
            EncodeOrdinary(text, new TextSpan(0, text.Length), output);
            return;
        }

        var segments = t_segments ??= [];
        segments.Clear();
        _matcher.Split(text, segments);
        if (segments.Count == 1 && segments[0].TokenId < 0)
        {
            EncodeOrdinary(text, new TextSpan(0, text.Length), output);
            return;
        }

        foreach (var segment in segments)
        {
            if (segment.TokenId >= 0)
            {
                output.Add(segment.TokenId);
            }
            else
            {
                EncodeOrdinary(text, new TextSpan(segment.Start, segment.Length), output);
            }
        }
    }

    private void EncodeOrdinary(string text, TextSpan range, List<int> output)
    {
        if (_pipeline.Normalizer is { } normalizer && !normalizer.LeavesUnchanged(text.AsSpan(range.Start, range.Length)))
        {
            text = normalizer.Normalize(text.Substring(range.Start, range.Length));
            range = new TextSpan(0, text.Length);
        }

        if (_pipeline.AddPrefixSpace && range.Length > 0 && text[range.Start] != ' ')
        {
            text = string.Concat(" ", text.AsSpan(range.Start, range.Length));
            range = new TextSpan(0, text.Length);
        }

        var pieces = t_pieces ??= [];
        pieces.Clear();
        _pipeline.PreTokenizer.Split(text, range, pieces);
        foreach (var piece in pieces)
        {
            _model.EncodePiece(text.AsSpan(piece.Start, piece.Length), output);
        }

        if (pieces.Capacity > MaxRetainedScratch)
        {
            t_pieces = null; // do not keep a huge document's scratch list alive on this thread
        }
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var total = 0;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabSize || _idToToken[id] is null)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is not in the vocabulary of {Source} (size {VocabSize})");
            }

            total += _idToBytes[id].Length;
        }

        var buffer = total <= 1024 ? stackalloc byte[total] : new byte[total];
        var at = 0;
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _isSpecial[id])
            {
                continue;
            }

            _idToBytes[id].CopyTo(buffer[at..]);
            at += _idToBytes[id].Length;
        }

        return Encoding.UTF8.GetString(buffer[..at]);
    }

    /// <inheritdoc />
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        foreach (var added in AddedTokens)
        {
            if (added.Content == token)
            {
                return added.Id;
            }
        }

        var id = _model.IdOf(token);
        return id >= 0 ? id : null;
    }

    /// <inheritdoc />
    public string? IdToToken(int id) => (uint)id < (uint)VocabSize ? _idToToken[id] : null;

    /// <summary>True when <paramref name="id"/> is an added token marked special.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)VocabSize && _isSpecial[id];

    /// <summary>Writes this tokenizer as a Hugging Face tokenizer.json that <see cref="TokenizerLoader"/> (and Hugging Face) load back to the same encodings.</summary>
    public void Save(string path) => TokenizerJsonWriter.Write(this, path);

    /// <summary>The tokenizer as tokenizer.json text.</summary>
    public string ToJson() => TokenizerJsonWriter.ToJson(this);
}

namespace PostTrain.Trainer.Tokenizers;

/// <summary>Loads tokenizers from files.</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Loads a tokenizer from <paramref name="path"/>: a tokenizer.json file, GPT-2's vocab.bpe or
    /// encoder.json (the other one is taken from the same folder), or a folder holding tokenizer.json or
    /// the vocab.bpe + encoder.json pair. A tokenizer_config.json beside tokenizer.json supplies the
    /// bos/eos/pad roles.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing loadable is at the path.</exception>
    /// <exception cref="TokenizerFormatException">The files are malformed or use an unsupported feature; the message names the file and field.</exception>
    public static ByteLevelBpeTokenizer FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            var json = Path.Combine(path, "tokenizer.json");
            if (File.Exists(json))
            {
                return FromTokenizerJson(json);
            }

            var encoder = Path.Combine(path, "encoder.json");
            var merges = Path.Combine(path, "vocab.bpe");
            if (File.Exists(encoder) && File.Exists(merges))
            {
                return Gpt2FilesReader.Read(encoder, merges);
            }

            throw new FileNotFoundException($"{path}: neither tokenizer.json nor the vocab.bpe + encoder.json pair is in this folder", json);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        }

        var name = Path.GetFileName(path);
        if (name is "vocab.bpe" or "encoder.json")
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            var encoder = Path.Combine(folder, "encoder.json");
            var merges = Path.Combine(folder, "vocab.bpe");
            if (!File.Exists(encoder) || !File.Exists(merges))
            {
                throw new FileNotFoundException($"{path}: GPT-2 tokenizers need both encoder.json and vocab.bpe in {folder}");
            }

            return Gpt2FilesReader.Read(encoder, merges);
        }

        return FromTokenizerJson(path);
    }

    /// <summary>Loads a tokenizer.json; <paramref name="configPath"/> defaults to tokenizer_config.json beside it.</summary>
    public static ByteLevelBpeTokenizer FromTokenizerJson(string path, string? configPath = null)
    {
        configPath ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "tokenizer_config.json");
        return TokenizerJsonReader.Read(path, configPath);
    }
}

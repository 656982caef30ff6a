using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PostTrain.Benchmarks;

/// <summary>
/// Deterministic mixed text for the tokenizer benchmarks: generated English prose with numbers (40%), source code (20%),
/// CJK (15%) and the <c>vectors.jsonl</c> strings of the tokenizer test data (25%), cut into documents of 1–4 KB.
/// </summary>
internal static class MixedText
{
    private static readonly string[] EnglishWords = (
        "the of and to in is that it for was on are as with his they at be this have from or one had by word but not what all " +
        "were we when your can said there use an each which she do how their if will up other about out many then them these so " +
        "some her would make like him into time has look two more write go see number no way could people my than first water " +
        "been call who oil its now find long down day did get come made may part training model reward gradient token batch " +
        "learning rate checkpoint Kubernetes operator cluster apples dollars students answer total remaining altogether").Split(' ');

    private static readonly string[] CodeLines =
    [
        "public static int Add(int a, int b) => a + b;",
        "for (var i = 0; i < items.Count; i++) { total += items[i].Price * 3; }",
        "if (response.StatusCode == HttpStatusCode.NotFound) return null;",
        "def forward(self, x):\n        return self.proj(torch.relu(self.fc(x)))",
        "const result = await fetch(`/api/v1/jobs/${name}`, { method: 'GET' });",
        "SELECT id, name FROM jobs WHERE phase = 'Running' ORDER BY created_at DESC LIMIT 10;",
        "    assert loss.item() < 1e-3, f\"loss {loss.item():.4f} too high\"",
        "kubectl get posttrain -n default -o jsonpath='{.items[*].status.phase}'",
    ];

    /// <summary>Deterministic mixed text of about <paramref name="targetBytes"/> UTF-8 bytes, as documents.</summary>
    public static List<string> Documents(string folder, int targetBytes, int seed = 20261122)
    {
        var vectors = File.ReadLines(Path.Combine(folder, "vectors.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .Where(t => t.Length > 0)
            .ToArray();
        var random = new Random(seed);
        var documents = new List<string>();
        var total = 0;
        var sb = new StringBuilder();
        while (total < targetBytes)
        {
            sb.Clear();
            var size = random.Next(1000, 4000);
            var kind = random.Next(100);
            while (sb.Length < size)
            {
                if (kind < 40)
                {
                    English(sb, random);
                }
                else if (kind < 60)
                {
                    sb.Append(CodeLines[random.Next(CodeLines.Length)].Replace("3", random.Next(1000).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).Append('\n');
                }
                else if (kind < 75)
                {
                    Cjk(sb, random);
                }
                else
                {
                    sb.Append(vectors[random.Next(vectors.Length)]).Append(random.Next(3) == 0 ? "\n" : " ");
                }
            }

            var document = sb.ToString();
            documents.Add(document);
            total += Encoding.UTF8.GetByteCount(document);
        }

        return documents;
    }

    private static void English(StringBuilder sb, Random random)
    {
        var words = random.Next(6, 20);
        for (var i = 0; i < words; i++)
        {
            var word = EnglishWords[random.Next(EnglishWords.Length)];
            sb.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            if (random.Next(12) == 0)
            {
                sb.Append(' ').Append(random.Next(100000).ToString(CultureInfo.InvariantCulture));
            }

            sb.Append(i + 1 < words ? (random.Next(10) == 0 ? ", " : " ") : ". ");
        }

        if (random.Next(5) == 0)
        {
            sb.Append("\n\n");
        }
    }

    private static void Cjk(StringBuilder sb, Random random)
    {
        var length = random.Next(10, 40);
        for (var i = 0; i < length; i++)
        {
            var pick = random.Next(10);
            sb.Append(pick < 6 ? (char)random.Next(0x4E00, 0x4E00 + 3000) : pick < 9 ? (char)random.Next(0x3041, 0x3097) : '、');
        }

        sb.Append(random.Next(2) == 0 ? "。" : "。\n");
    }

    /// <summary>The tokenizer test data: shared/testdata/tokenizers beside the repository.</summary>
    public static string FindTestData()
    {
        if (Environment.GetEnvironmentVariable("POSTTRAIN_TOKENIZER_TESTDATA") is { Length: > 0 } folder)
        {
            return folder;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "tokenizers"));
                }
            }
        }

        throw new DirectoryNotFoundException("Operator.sln not found above the working directory; set POSTTRAIN_TOKENIZER_TESTDATA to the tokenizers test-data folder");
    }
}

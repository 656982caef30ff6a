using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace PostTrain.GpuBench;

/// <summary>Counts and notes from the GPU tests' xunit XML report (PostTrain.Gpu.Tests -result-xml FILE).</summary>
public static class TestReport
{
    /// <summary>Total, passed, failed and skipped, the names of failures, and each test's output line (the measured differences).</summary>
    public static JsonObject Summarise(string path)
    {
        var document = XDocument.Load(path);
        var tests = document.Descendants("test").ToList();
        int Count(string result) => tests.Count(t => (string?)t.Attribute("result") == result);
        var notes = new JsonArray();
        foreach (var t in tests)
        {
            var text = t.Element("output")?.Value.Trim();
            notes.Add(string.IsNullOrEmpty(text) ? $"{(string?)t.Attribute("result")}: {(string?)t.Attribute("name")}" : $"{(string?)t.Attribute("result")}: {text.Split('\n')[0]}");
        }

        return new JsonObject
        {
            ["total"] = tests.Count,
            ["passed"] = Count("Pass"),
            ["failed"] = Count("Fail"),
            ["skipped"] = Count("Skip"),
            ["failures"] = new JsonArray([.. tests.Where(t => (string?)t.Attribute("result") == "Fail").Select(t => (JsonNode?)(string?)t.Attribute("name"))]),
            ["notes"] = notes,
        };
    }
}

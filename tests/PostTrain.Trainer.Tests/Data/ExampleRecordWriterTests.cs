using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Tests.Data;

public sealed class ExampleRecordWriterTests
{
    private static string Write(Example example, FieldNames? fields = null)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            ExampleRecordWriter.Write(writer, example, fields ?? new FieldNames());
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void Each_format_prints_its_own_fields_under_the_columns_they_were_read_from()
    {
        var lines = DatasetLoader.ParseJsonLines("""
            {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], "answer": "4"}
            {"task_id": 3, "text": "Write f.", "code": "def f(): pass", "test_list": ["assert f() is None"]}
            {"question": "1+1?", "answer": "1 + 1 = 2\n#### 2"}
            {"prompt": "Say hi", "completion": "hi"}
            """, "in.jsonl", new DatasetLoadOptions()).Examples;

        lines.Select(e => Write(e)).ShouldBe([
            """{"id":"in.jsonl:1","source":"in.jsonl:1","messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],"answer":"4"}""",
            """{"id":"3","source":"in.jsonl:2","text":"Write f.","code":"def f(): pass","test_list":["assert f() is None"]}""",
            """{"id":"in.jsonl:3","source":"in.jsonl:3","question":"1+1?","answer":"1 + 1 = 2\n#### 2","final_answer":"2"}""",
            """{"id":"in.jsonl:4","source":"in.jsonl:4","prompt":"Say hi","completion":"hi"}""",
        ]);
    }

    [Fact]
    public void Renamed_fields_print_under_the_job_s_column_names()
    {
        var fields = new FieldNames { Prompt = "problem", Completion = "solution", Answer = "gold" };
        var example = DatasetLoader.ParseJsonLines("""{"problem": "3*3?", "solution": "9", "gold": 9}""", "x.jsonl", new DatasetLoadOptions { Format = DatasetFormat.Gsm8k, Fields = fields }).Examples.Single();

        Write(example, fields).ShouldBe("""{"id":"x.jsonl:1","source":"x.jsonl:1","problem":"3*3?","solution":"9","gold":"9"}""");
    }
}

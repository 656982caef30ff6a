using PostTrain.Trainer.Data;

namespace PostTrain.Trainer.Tests.Data;

public sealed class DatasetFileSelectorTests
{
    [Fact]
    public void Shard_names_give_any_split_and_train_and_test_never_load_together()
    {
        string[] files = ["data/train-00001-of-00002.parquet", "data/test-00000-of-00001.parquet", "data/train-00000-of-00002.parquet", "README.md.jsonl"];

        DatasetFileSelector.Select(files, "train", null, "repo").ShouldBe(["data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet"]);
        DatasetFileSelector.Select(files, "test", null, "repo").ShouldBe(["data/test-00000-of-00001.parquet"]);
        DatasetFileSelector.Select(files, null, null, "repo").Count.ShouldBe(4);

        string[] custom = ["data/train_sft-00000-of-00003-a1b2.parquet", "data/train_gen-00000-of-00001-c3.parquet", "data/test_sft-00000-of-00001-d4.parquet"];
        DatasetFileSelector.Select(custom, "train_sft", null, "ultrachat").ShouldBe(["data/train_sft-00000-of-00003-a1b2.parquet"]);
        Should.Throw<DatasetFormatException>(() => DatasetFileSelector.Select(custom, "train", null, "ultrachat"))
            .Message.ShouldBe("ultrachat: no split 'train'; splits: [test_sft, train_gen, train_sft]");
    }

    [Fact]
    public void The_converted_parquet_layout_names_config_and_split_by_folder()
    {
        string[] files = ["main/train/0000.parquet", "main/train/0001.parquet", "main/test/0000.parquet", "socratic/train/0000.parquet", "socratic/partial-test/0000.parquet"];

        DatasetFileSelector.Select(files, "train", "main", "gsm8k").ShouldBe(["main/train/0000.parquet", "main/train/0001.parquet"]);
        DatasetFileSelector.Select(files, "test", "socratic", "gsm8k").ShouldBe(["socratic/partial-test/0000.parquet"]);
        Should.Throw<DatasetFormatException>(() => DatasetFileSelector.Select(files, "train", null, "gsm8k"))
            .Message.ShouldBe("gsm8k has several configs [main, socratic]: set the dataset's config to one of them");
        Should.Throw<DatasetFormatException>(() => DatasetFileSelector.Select(files, "train", "other", "gsm8k"))
            .Message.ShouldBe("gsm8k: no config 'other'; configs: [main, socratic]");
        DatasetFileSelector.Select(["default/train/0000.parquet", "default/validation/0000.parquet"], "validation", null, "one").ShouldBe(["default/validation/0000.parquet"]);
    }

    [Fact]
    public void Config_folders_sit_beside_a_default_config_and_default_names_it()
    {
        string[] files = ["data/train-00000-of-00001.parquet", "extra/train-00000-of-00001.parquet", "extra/test-00000-of-00001.parquet"];

        DatasetFileSelector.Select(files, "train", null, "repo").ShouldBe(["data/train-00000-of-00001.parquet"]);
        DatasetFileSelector.Select(files, "train", "default", "repo").ShouldBe(["data/train-00000-of-00001.parquet"]);
        DatasetFileSelector.Select(files, "test", "extra", "repo").ShouldBe(["extra/test-00000-of-00001.parquet"]);
        Should.Throw<DatasetFormatException>(() => DatasetFileSelector.Select(files, "test", null, "repo"))
            .Message.ShouldBe("repo: no split 'test'; splits: [train]");
    }

    [Fact]
    public void Keywords_in_file_or_folder_names_give_train_validation_and_test_with_their_synonyms()
    {
        string[] files = ["train.jsonl", "dev.jsonl", "eval/part-1.jsonl", "my_data.test.json"];

        DatasetFileSelector.Select(files, "train", null, "dir").ShouldBe(["train.jsonl"]);
        DatasetFileSelector.Select(files, "validation", null, "dir").ShouldBe(["dev.jsonl"]);
        DatasetFileSelector.Select(files, "val", null, "dir").ShouldBe(["dev.jsonl"]);
        DatasetFileSelector.Select(files, "test", null, "dir").ShouldBe(["eval/part-1.jsonl", "my_data.test.json"]);
        DatasetFileSelector.KeywordSplit("contest.jsonl").ShouldBeNull();
        DatasetFileSelector.KeywordSplit("attest/x.jsonl").ShouldBeNull();
        DatasetFileSelector.KeywordSplit("shard_7_train.jsonl").ShouldBe("train");
    }

    [Fact]
    public void Files_without_split_names_are_the_train_split_only()
    {
        string[] files = ["part1/a.jsonl", "part2/b.parquet", "c.jsonl"];

        DatasetFileSelector.Select(files, "train", null, "dir").ShouldBe(["c.jsonl", "part1/a.jsonl", "part2/b.parquet"]);
        Should.Throw<DatasetFormatException>(() => DatasetFileSelector.Select(files, "test", null, "dir"))
            .Message.ShouldBe("dir: no split 'test': no file name carries a split, so all 3 file(s) are the train split (part1/a.jsonl, part2/b.parquet, c.jsonl)");
    }
}

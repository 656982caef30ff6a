using System.Text.RegularExpressions;
using PostTrain.Api.Model;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Sources;

namespace PostTrain.Trainer.Tests.Data;

public partial class ArithmeticDatasetTests
{
    [Fact]
    public void Splits_are_disjoint_and_deterministic_for_a_seed()
    {
        var options = new ArithmeticOptions();
        var sft = ArithmeticDataset.Generate(options, ArithmeticSplit.Sft, 200, seed: 1);
        var rl = ArithmeticDataset.Generate(options, ArithmeticSplit.Rl, 2000, seed: 1);
        var test = ArithmeticDataset.Generate(options, ArithmeticSplit.Test, 200, seed: 1);
        var rlOtherSeed = ArithmeticDataset.Generate(options, ArithmeticSplit.Rl, 2000, seed: 2);

        sft.Select(p => p.Signature).Distinct().Count().ShouldBe(200);
        var testSigs = test.Select(p => p.Signature).ToHashSet();
        sft.Concat(rl).Concat(rlOtherSeed).ShouldAllBe(p => !testSigs.Contains(p.Signature));
        sft.Select(p => p.Signature).Intersect(rl.Select(p => p.Signature)).ShouldBeEmpty();
        ArithmeticDataset.Generate(options, ArithmeticSplit.Sft, 200, seed: 1).ShouldBe(sft);
        rlOtherSeed.Select(p => p.Signature).ShouldNotBe(rl.Select(p => p.Signature));
    }

    [Fact]
    public void Solutions_are_correct_short_and_end_in_the_answer()
    {
        var options = new ArithmeticOptions { Multiplication = true };
        foreach (var p in ArithmeticDataset.Generate(options, ArithmeticSplit.Sft, 300, seed: 3))
        {
            var lines = p.Solution.Split('\n');
            lines[^1].ShouldBe($"#### {p.Answer}");
            lines.Length.ShouldBeInRange(2, 4);
            var value = -1;
            foreach (var line in lines[..^1])
            {
                var m = EquationLine().Match(line);
                m.Success.ShouldBeTrue(line);
                var (a, op, b, r) = (int.Parse(m.Groups[1].Value), m.Groups[2].Value, int.Parse(m.Groups[3].Value), int.Parse(m.Groups[4].Value));
                if (value >= 0)
                {
                    a.ShouldBe(value); // each step starts from the previous result
                }

                r.ShouldBe(op switch { "+" => a + b, "-" => a - b, _ => a * b });
                r.ShouldBeInRange(0, options.MaxValue);
                value = r;
            }

            value.ShouldBe(p.Answer);
            p.Question.ShouldEndWith("have now?");
            p.Question.Length.ShouldBeLessThan(200);
            p.Question.ShouldStartWith(p.Question.Split(' ')[0] + " has " + p.Signature.Split('+', '-', '*')[0] + " ");
        }
    }

    [Fact]
    public void A_hand_checked_problem_matches_the_issue_example_shape()
    {
        var p = ArithmeticDataset.Generate(new ArithmeticOptions { MinSteps = 2, MaxSteps = 2 }, ArithmeticSplit.Rl, 1, seed: 0).Single();
        p.Question.ShouldMatch(@"^\w+ has \d+ \w+\. (He|She) \w+( away)? \d+( more)?\. Then (he|she) \w+( away)? \d+( more)?\. How many \w+ does \w+ have now\?$");
        p.Solution.Split('\n').Length.ShouldBe(3);
    }

    [Fact]
    public void Examples_carry_solutions_only_in_the_sft_split_and_answers_everywhere()
    {
        var sft = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Sft, 5, 0);
        var rl = ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Rl, 5, 0);
        sft.ShouldAllBe(e => e.Completion != null && e.Completion.EndsWith("#### " + e.ReferenceAnswer));
        rl.ShouldAllBe(e => e.Completion == null && e.ReferenceAnswer != null);
        rl[0].Id.ShouldBe("arithmetic/rl/0");
    }

    [Fact]
    public async Task The_math_reward_gives_full_marks_to_every_worked_solution()
    {
        var reward = new MathReward();
        foreach (var e in ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Sft, 50, 9))
        {
            (await reward.ScoreAsync(new RewardInput(e.Prompt!, e.Completion!, e), CancellationToken.None)).Score.ShouldBe(1);
        }
    }

    [Fact]
    public void Builtin_uris_select_split_count_seed_and_difficulty()
    {
        var items = BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=test&count=7&seed=4&minSteps=3&maxSteps=3&maxOperand=5"));
        items.Count.ShouldBe(7);
        items.ShouldAllBe(e => e.Completion == null);
        BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic")).Count.ShouldBe(200);
        BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=rl&count=10")).Count.ShouldBe(10);

        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=train"))).Message.ShouldContain("not one of sft, rl, test");
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?steps=2"))).Message.ShouldContain("unknown option(s) steps");
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?maxSteps=7"))).Message.ShouldContain("maxSteps <= 6");
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?minSteps=0"))).Message.ShouldContain("1 <= minSteps");
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://poetry"))).Message.ShouldContain("unknown builtin dataset 'poetry'");
    }

    [Fact]
    public void Longer_chains_than_three_steps_are_correct_and_leave_the_three_step_data_unchanged()
    {
        var four = BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=test&count=300&maxOperand=5&maxValue=20&minSteps=4&maxSteps=4"));
        four.Count.ShouldBe(300);
        foreach (var p in ArithmeticDataset.Generate(new ArithmeticOptions { MinSteps = 4, MaxSteps = 6, MaxOperand = 5, MaxValue = 20 }, ArithmeticSplit.Rl, 200, seed: 2))
        {
            var lines = p.Solution.Split('\n');
            lines.Length.ShouldBeInRange(5, 7);
            lines[^1].ShouldBe($"#### {p.Answer}");
            p.Question.Split(" Then ").Length.ShouldBe(lines.Length - 1); // one sentence per step, every one after the first starting "Then"
        }

        // Allowing longer chains must not change what the demo's URIs (at most 3 steps) generate: fingerprints taken
        // before the limit was raised.
        Fingerprint("builtin://arithmetic?split=sft&count=200&maxOperand=5&maxValue=20").ShouldBe(DemoSftFingerprint);
        Fingerprint("builtin://arithmetic?split=rl&count=2200&maxOperand=5&maxValue=20").ShouldBe(DemoRlFingerprint);
        Fingerprint("builtin://arithmetic?split=test&count=400&maxOperand=5&maxValue=20").ShouldBe(DemoTestFingerprint);
    }

    [Fact]
    public void Excluded_steps_never_appear_and_the_rest_of_the_split_is_kept()
    {
        var items = BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=sft&count=200&maxOperand=5&maxValue=20&excludeSteps=+5,-4"));
        items.Count.ShouldBe(200);
        items.ShouldAllBe(e => !e.Completion!.Contains("+ 5 =") && !e.Completion.Contains("- 4 ="));
        items.ShouldContain(e => e.Completion!.Contains("- 5 =")); // the operands themselves still appear
        items.ShouldContain(e => e.Completion!.Contains("+ 4 ="));

        // The problems kept are the unfiltered split's, in the same order, less those with an excluded step.
        var all = ArithmeticDataset.Generate(new ArithmeticOptions { MaxOperand = 5, MaxValue = 20 }, ArithmeticSplit.Sft, 545, seed: 0);
        var kept = all.Where(p => !Regex.IsMatch(p.Signature, @"\+5(?!\d)|-4(?!\d)")).Take(200).Select(p => p.Question);
        items.Select(e => e.Prompt).ShouldBe(kept);

        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?excludeSteps=5"))).Message.ShouldContain("step '5'");
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?requireSteps=+x"))).Message.ShouldContain("step '+x'");
    }

    [Fact]
    public void Required_steps_select_the_test_problems_that_need_a_left_out_family()
    {
        var all = BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=test&count=504&maxOperand=5&maxValue=20"));
        var needing = BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=test&count=215&maxOperand=5&maxValue=20&requireSteps=+5,-4"));
        var ids = all.Where(e => NeedsPlus5OrMinus4(e.Prompt!)).Select(e => e.Prompt).ToList();
        ids.Count.ShouldBe(215);
        needing.Select(e => e.Prompt).ShouldBe(ids); // the same problems in the same order, and all of them
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=test&count=216&maxOperand=5&maxValue=20&requireSteps=+5,-4")));
    }

    private static bool NeedsPlus5OrMinus4(string question) =>
        Regex.Matches(question, @"(buys|finds|gets|gives away|loses|sells) (\d+)")
            .Any(m => (m.Groups[1].Value is "buys" or "finds" or "gets") ? m.Groups[2].Value == "5" : m.Groups[2].Value == "4");

    [Fact]
    public void Excluded_and_required_steps_combine()
    {
        var items = BuiltinDatasets.Load(SourceUri.Parse("builtin://arithmetic?split=rl&count=50&maxOperand=5&maxValue=20&excludeSteps=+5&requireSteps=-4"));
        items.ShouldAllBe(e => !Regex.IsMatch(e.Prompt!, "(buys|finds|gets) 5 more") && Regex.IsMatch(e.Prompt!, "(gives away|loses|sells) 4\\."));
    }

    [Fact]
    public void Extra_verbs_rephrase_the_same_problems_and_never_appear_by_default()
    {
        const string Test = "builtin://arithmetic?split=test&count=400&maxOperand=5&maxValue=20";
        var plain = BuiltinDatasets.Load(SourceUri.Parse(Test));
        var all = BuiltinDatasets.Load(SourceUri.Parse(Test + "&verbs=all"));
        var extra = BuiltinDatasets.Load(SourceUri.Parse(Test + "&verbs=extra"));
        BuiltinDatasets.Load(SourceUri.Parse(Test + "&verbs=default")).Select(e => e.Prompt).ShouldBe(plain.Select(e => e.Prompt));

        // One verb draw per step whatever the set, so every set asks the same problems (the same numbers, answers and
        // operations), only in other words.
        all.Select(e => e.ReferenceAnswer).ShouldBe(plain.Select(e => e.ReferenceAnswer));
        extra.Select(e => Operations(e.Prompt!)).ShouldBe(plain.Select(e => Operations(e.Prompt!)));
        all.Select(e => Operations(e.Prompt!)).ShouldBe(plain.Select(e => Operations(e.Prompt!)));

        string[] extraVerbs = ["wins", "earns", "collects", "drops", "donates", "trades"];
        plain.ShouldAllBe(e => !extraVerbs.Any(v => e.Prompt!.Contains($" {v} ", StringComparison.Ordinal)));
        extra.ShouldAllBe(e => !e.Prompt!.Contains("more", StringComparison.Ordinal) && !Regex.IsMatch(e.Prompt!, "buys|finds|gets|gives away|loses|sells"));
        var withExtra = all.Count(e => extraVerbs.Any(v => e.Prompt!.Contains($" {v} ", StringComparison.Ordinal)));
        withExtra.ShouldBeInRange(200, 340); // about 1 − 2^−steps of them: most, not all
        all.ShouldContain(e => e.Prompt!.Contains(" more.", StringComparison.Ordinal));

        // The worked solutions (the default verbs) are untouched by the option's existence.
        Fingerprint("builtin://arithmetic?split=sft&count=200&maxOperand=5&maxValue=20").ShouldBe(DemoSftFingerprint);
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse(Test + "&verbs=rare"))).Message.ShouldContain("verbs='rare'");
        Should.Throw<ArgumentException>(() => BuiltinDatasets.Load(SourceUri.Parse(Test + "&verbs=1"))).Message.ShouldContain("default, extra, all");
    }

    /// <summary>A question's operations and operands in order, read from its verbs: "+3 -2".</summary>
    private static string Operations(string question) =>
        string.Join(' ', Regex.Matches(question, @"(buys|finds|gets|wins|earns|collects|gives away|loses|sells|drops|donates|trades) (\d+)")
            .Select(m => (Regex.IsMatch(m.Groups[1].Value, "buys|finds|gets|wins|earns|collects") ? "+" : "-") + m.Groups[2].Value));

    [Fact]
    public void Asking_for_more_problems_than_exist_is_a_clear_error()
    {
        var tiny = new ArithmeticOptions { MinSteps = 1, MaxSteps = 1, MinOperand = 1, MaxOperand = 2, MaxValue = 4 };
        Should.Throw<ArgumentException>(() => ArithmeticDataset.Generate(tiny, ArithmeticSplit.Sft, 50, 0)).Message.ShouldContain("widen the ranges");
    }

    private const string DemoSftFingerprint = "e9d29ff3594b58b1";
    private const string DemoRlFingerprint = "7fc530ddcedab4d3";
    private const string DemoTestFingerprint = "f8636d94ae9f455d";

    private static string Fingerprint(string uri)
    {
        var text = string.Join("\n\n", BuiltinDatasets.Load(SourceUri.Parse(uri)).Select(e => $"{e.Id}\n{e.Prompt}\n{e.Completion}\n{e.ReferenceAnswer}"));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
    }

    [GeneratedRegex(@"^(\d+) ([+*-]) (\d+) = (\d+)$")]
    private static partial Regex EquationLine();
}

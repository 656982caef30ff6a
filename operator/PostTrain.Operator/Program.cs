// The operator executable. Controllers, hosting and leader election arrive with the operator work (issue 9).
if (args is ["crds", var crdDirectory])
{
    // `make crds`: regenerate crds/ from the C# types in PostTrain.Api.
    foreach (var path in PostTrain.Api.CrdGenerator.WriteAll(crdDirectory))
    {
        Console.WriteLine($"wrote {path}");
    }

    return 0;
}

Console.Error.WriteLine("posttrain-operator: the operator is not built yet.");
return 1;

// The operator executable. Controllers, hosting and leader election arrive with the operator work (issue 9).
Console.Error.WriteLine("posttrain-operator: the operator is not built yet.");
return 1;

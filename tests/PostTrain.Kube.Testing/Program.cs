// Runs the test API server on its own, for kubectl, helm and curl (docs/kube.md, "Standalone"):
//   dotnet tests/PostTrain.Kube.Testing/bin/Release/net10.0/PostTrain.Kube.Testing.dll --port 8001 --kubeconfig /tmp/posttrain.kubeconfig
//   KUBECONFIG=/tmp/posttrain.kubeconfig tools/bin/kubectl get namespaces
return await PostTrain.Kube.Testing.StandaloneCommand.RunAsync(args);

// The node agent on its own, beside the standalone test API server (docs/node-agent.md):
//   dotnet tests/PostTrain.Kube.Testing/bin/Release/net10.0/PostTrain.Kube.Testing.dll --port 8001 --kubeconfig /tmp/posttrain.kubeconfig &
//   dotnet tests/PostTrain.NodeAgent/bin/Release/net10.0/PostTrain.NodeAgent.dll --kubeconfig /tmp/posttrain.kubeconfig --data /tmp/posttrain-node
return await PostTrain.NodeAgent.AgentCommand.RunAsync(args);

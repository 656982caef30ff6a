using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Controllers;
using PostTrain.Kube.Informers;
using PostTrain.NodeAgent.Kubelet;

namespace PostTrain.NodeAgent.Storage;

/// <summary>
/// The PersistentVolume controller and a provisioner in one, for host folders: every pending claim gets its folder
/// (<c>{claims}/{namespace}/{claim}</c>), a volume name as a dynamic provisioner would give it (<c>pvc-UID</c>; no
/// PersistentVolume object is made, the test API server serves none), and status Bound with its access modes and
/// the requested capacity. No storage class, size limit or access mode is enforced.
/// </summary>
internal sealed class PersistentVolumeBinder(KubernetesClient client, Indexer<V1PersistentVolumeClaim> claims, string claimsDirectory) : IReconciler
{
    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        var claim = claims.Get(request.ToString());
        if (claim is null || claim.Metadata.DeletionTimestamp is not null || claim.Status?.Phase == "Bound")
        {
            return ReconcileResult.Done;
        }

        var name = claim.Metadata.Name!;
        var ns = claim.Metadata.NamespaceProperty!;
        Directory.CreateDirectory(PodVolumes.ClaimFolder(claimsDirectory, ns, name));
        var volume = claim.Spec.VolumeName is { Length: > 0 } bound ? bound : "pvc-" + claim.Metadata.Uid;
        try
        {
            await client.PersistentVolumeClaims.PatchAsync(
                name,
                PatchType.Merge,
                new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["annotations"] = new JsonObject { ["pv.kubernetes.io/bind-completed"] = "yes", ["pv.kubernetes.io/bound-by-controller"] = "yes" },
                    },
                    ["spec"] = new JsonObject { ["volumeName"] = volume },
                },
                ns,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            var modes = new JsonArray((claim.Spec.AccessModes ?? ["ReadWriteOnce"]).Select(m => (JsonNode?)m).ToArray());
            var capacity = new JsonObject();
            if (claim.Spec.Resources?.Requests?.TryGetValue("storage", out var storage) == true)
            {
                capacity["storage"] = storage!.ToString();
            }

            await client.PersistentVolumeClaims.PatchAsync(
                name,
                PatchType.Merge,
                new JsonObject { ["status"] = new JsonObject { ["phase"] = "Bound", ["accessModes"] = modes, ["capacity"] = capacity } },
                ns,
                status: true,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            // deleted meanwhile
        }

        return ReconcileResult.Done;
    }
}

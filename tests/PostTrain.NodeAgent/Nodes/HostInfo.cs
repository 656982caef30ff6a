using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace PostTrain.NodeAgent.Nodes;

/// <summary>What a kubelet reports about its machine: capacity and nodeInfo, read from /proc and /etc.</summary>
internal static class HostInfo
{
    /// <summary>The kubelet version the Node reports.</summary>
    public const string KubeletVersion = "v1.34.0-posttrain-agent";

    /// <summary>The Node's architecture label and nodeInfo value (Go's GOARCH names).</summary>
    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>capacity (and allocatable): cpu cores, memory, ephemeral storage of the data directory, pods.</summary>
    public static JsonObject Capacity(string dataDirectory)
    {
        var capacity = new JsonObject
        {
            ["cpu"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["memory"] = MemoryKibibytes().ToString(CultureInfo.InvariantCulture) + "Ki",
            ["pods"] = "110",
        };
        try
        {
            capacity["ephemeral-storage"] = (new DriveInfo(Path.GetFullPath(dataDirectory)).TotalSize / 1024).ToString(CultureInfo.InvariantCulture) + "Ki";
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            // no storage figure: the Node simply reports none
        }

        return capacity;
    }

    /// <summary>status.nodeInfo.</summary>
    public static JsonObject NodeInfo() => new()
    {
        ["machineID"] = ReadLine("/etc/machine-id"),
        ["systemUUID"] = ReadLine("/etc/machine-id"),
        ["bootID"] = ReadLine("/proc/sys/kernel/random/boot_id"),
        ["kernelVersion"] = ReadLine("/proc/sys/kernel/osrelease"),
        ["osImage"] = OsImage(),
        ["containerRuntimeVersion"] = "posttrain-node-agent://" + KubeletVersion.TrimStart('v'),
        ["kubeletVersion"] = KubeletVersion,
        ["kubeProxyVersion"] = "",
        ["operatingSystem"] = "linux",
        ["architecture"] = Architecture,
    };

    private static long MemoryKibibytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var digits = new string(line.Where(char.IsAsciiDigit).ToArray());
                    return long.Parse(digits, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // fall through to the runtime's view
        }

        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024;
    }

    private static string OsImage()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }
        catch (IOException)
        {
            // no os-release: report the runtime's description
        }

        return RuntimeInformation.OSDescription;
    }

    private static string ReadLine(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}

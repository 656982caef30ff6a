# syntax=docker/dockerfile:1.7
# PostTrain images. Two targets:
#
#   docker build --target operator -t ghcr.io/posttrain/posttrain-operator:0.1.0 .
#   docker build --target worker   -t ghcr.io/posttrain/posttrain-worker:0.1.0 .
#
# operator: framework-dependent posttrain-operator on the chiseled ASP.NET Core runtime (no shell, no package
#           manager), uid 1654, runs with a read-only root filesystem (the chart mounts an emptyDir at /tmp).
# worker:   posttrain-worker on a CUDA PyTorch runtime image; the libtorch shim is compiled in the matching -devel
#           image against that PyTorch's own libtorch (same version, same CUDA), the .NET runtime is copied in,
#           uid 1000. python3 (the image's) serves the code-reward sandbox.
#
# Build arguments (override with --build-arg): the PyTorch images must be the same PyTorch release, -devel for the
# build and -runtime for the result, or the shim's symbols will not match libtorch.
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG DOTNET_ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble
ARG OPERATOR_BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
ARG PYTORCH_DEVEL_IMAGE=pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel
ARG PYTORCH_RUNTIME_IMAGE=pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime

# ---------------------------------------------------------------------------------------------------------------
# .NET build: restore once for both executables (layer-cached on the project files), then publish each.
FROM ${DOTNET_SDK_IMAGE} AS dotnet-build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY operator/PostTrain.Api/PostTrain.Api.csproj operator/PostTrain.Api/
COPY operator/PostTrain.CommandLine/PostTrain.CommandLine.csproj operator/PostTrain.CommandLine/
COPY operator/PostTrain.Kube/PostTrain.Kube.csproj operator/PostTrain.Kube/
COPY operator/PostTrain.Metrics/PostTrain.Metrics.csproj operator/PostTrain.Metrics/
COPY operator/PostTrain.Operator/PostTrain.Operator.csproj operator/PostTrain.Operator/
COPY worker/PostTrain.Torch/PostTrain.Torch.csproj worker/PostTrain.Torch/
COPY worker/PostTrain.Trainer/PostTrain.Trainer.csproj worker/PostTrain.Trainer/
COPY worker/PostTrain.Worker/PostTrain.Worker.csproj worker/PostTrain.Worker/
RUN dotnet restore operator/PostTrain.Operator/PostTrain.Operator.csproj \
 && dotnet restore worker/PostTrain.Worker/PostTrain.Worker.csproj
COPY operator/ operator/
COPY worker/ worker/

FROM dotnet-build AS operator-publish
RUN dotnet publish operator/PostTrain.Operator/PostTrain.Operator.csproj -c Release --no-restore \
      -p:UseAppHost=true -o /out/operator

FROM dotnet-build AS worker-publish
# The shim is built in the native stage against the CUDA PyTorch, not here.
RUN dotnet publish worker/PostTrain.Worker/PostTrain.Worker.csproj -c Release --no-restore \
      -p:BuildNativeShim=false -p:UseAppHost=true -o /out/worker

# ---------------------------------------------------------------------------------------------------------------
# operator: small, non-root, read-only root filesystem friendly.
FROM ${OPERATOR_BASE_IMAGE} AS operator
LABEL org.opencontainers.image.title="posttrain-operator" \
      org.opencontainers.image.description="PostTrain operator: reconciles SftJob, RlvrJob and EvalJob into worker pods" \
      org.opencontainers.image.source="https://github.com/posttrain/posttrain" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=operator-publish --chown=0:0 --chmod=0555 /out/operator/ /app/
# Nothing is written outside /tmp: no dumps, no diagnostics IPC socket in a read-only root.
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    ASPNETCORE_HTTP_PORTS="" \
    POSTTRAIN_PORT=8080
EXPOSE 8080
# The chiseled image's non-root "app" user, numeric so that runAsNonRoot can verify it.
USER 1654:1654
ENTRYPOINT ["/app/posttrain-operator"]

# ---------------------------------------------------------------------------------------------------------------
# The native shim, compiled against the libtorch inside the image's PyTorch (TorchConfig.cmake from
# torch.utils.cmake_prefix_path; native/build.sh finds it through python3). -devel has nvcc and the CUDA headers
# that TorchConfig.cmake asks for.
FROM ${PYTORCH_DEVEL_IMAGE} AS native-build
RUN python3 -m pip install --no-cache-dir "cmake>=3.18,<4" \
 && (command -v g++ >/dev/null || (apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*))
WORKDIR /src
COPY worker/PostTrain.Torch/native/ native/
# TORCH_CUDA_ARCH_LIST only matters for CUDA sources; the shim has none, but TorchConfig wants a value.
ENV TORCH_CUDA_ARCH_LIST="8.0;8.6;8.9;9.0"
RUN bash native/build.sh /out/native \
 && python3 -c "import torch; print('libtorch', torch.__version__, 'cuda', torch.version.cuda)" > /out/native/torch-version.txt \
 && ls -l /out/native/libposttrain_torch.so

# The .NET runtime (ASP.NET Core shared framework included: PostTrain.Metrics references it) for the worker.
FROM ${DOTNET_ASPNET_IMAGE} AS dotnet-runtime

# ---------------------------------------------------------------------------------------------------------------
# worker: CUDA PyTorch runtime + .NET runtime + posttrain-worker + the shim, non-root.
FROM ${PYTORCH_RUNTIME_IMAGE} AS worker
LABEL org.opencontainers.image.title="posttrain-worker" \
      org.opencontainers.image.description="PostTrain worker: SFT, RLVR and evaluation on libtorch (CUDA)" \
      org.opencontainers.image.source="https://github.com/posttrain/posttrain" \
      org.opencontainers.image.licenses="Apache-2.0"
# util-linux (setsid, prlimit) for the code sandbox; ca-certificates for the Hugging Face hub; tini reaps the
# sandbox's children and forwards SIGTERM (the worker checkpoints and exits 143 on it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends util-linux ca-certificates tini libstdc++6 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1000 posttrain \
 && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/posttrain --shell /usr/sbin/nologin posttrain \
 && mkdir -p /var/lib/posttrain/output /mnt/pvc \
 && chown -R 1000:1000 /var/lib/posttrain /mnt/pvc
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
COPY --from=worker-publish --chown=0:0 /out/worker/ /opt/posttrain/
COPY --from=native-build --chown=0:0 /out/native/libposttrain_torch.so /out/native/torch-version.txt /opt/posttrain/
# libtorch from the image's PyTorch (the shim's build RPATH names the same folder, this is the fallback). Every
# library the shim needs must resolve, except the driver's libcuda.so.1, which the NVIDIA runtime mounts at run time.
RUN ln -s /opt/posttrain/posttrain-worker /usr/local/bin/posttrain-worker \
 && TORCH_LIB=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))') \
 && echo "$TORCH_LIB" > /etc/ld.so.conf.d/torch.conf && ldconfig \
 && ! (ldd /opt/posttrain/libposttrain_torch.so | grep "not found" | grep -v "libcuda.so")
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/usr/share/dotnet:$PATH \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_EnableDiagnostics=0 \
    HOME=/home/posttrain \
    POSTTRAIN_CACHE=/home/posttrain/.cache/posttrain \
    POSTTRAIN_PORT=9090 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /home/posttrain
EXPOSE 9090 29500
USER 1000:1000
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/posttrain/posttrain-worker"]
CMD ["--help"]

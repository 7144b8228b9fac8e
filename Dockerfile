# One image for every c10k-lab server, for c10k_client and for c10k_lab.
#   docker build -t c10k-lab .
#   docker run --rm --network host c10k-lab dumb_epoll
# compose.yaml builds it once and runs each server in its own container.

# ---- build: the Swift toolchain, libcap's headers, a release build with the Swift runtime linked in
FROM swift:6.3-bookworm AS build
# DL3008 (pin apt versions) is kept on purpose: the base image pins Debian 12, whose point
# releases replace package versions; a pinned version would break the build once replaced.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcap-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest first: its dependencies are resolved in a layer of their own, reused while only sources change.
COPY Package.swift ./
RUN swift package resolve
# Tests/ holds no binary of the image, but the manifest names its targets.
COPY Sources/ ./Sources/
COPY Tests/ ./Tests/
RUN swift build -c release --static-swift-stdlib \
    && mkdir /out \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && find "$bin" -maxdepth 1 -type f -perm -u+x \( -name 'dumb_*' -o -name '*_chat' -o -name 'c10k_client' -o -name 'c10k_lab' \) \
        -exec install -m 0755 -s {} /out/ \; \
    && ls -l /out

# ---- run: Debian slim with the binaries and libcap2 only (libstdc++6 is named because the
# binaries need it, though slim already has it for apt), as a user without privileges
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcap2 libstdc++6 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dumb
COPY --from=build /out/ /usr/local/bin/
USER 10001:10001
# the lab's ports: the DUMB protocol and GET /metrics (8092… for clients' metrics)
EXPOSE 8090 8091
ENV DUMB_HOST=127.0.0.1
CMD ["dumb_epoll"]

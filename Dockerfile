# syntax=docker/dockerfile:1
# A slim image with a pinned Go preinstalled by gover (see README, "Docker and CI").
#
#   docker build --build-arg GOVER_COMMIT="$(git rev-parse --short HEAD)" -t go-with-gover .
#   docker run --rm go-with-gover go version
#
# Stage 1 builds gover: a --static-swift-stdlib binary that needs no Swift at run time.
FROM swift:6.1-bookworm AS gover-build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libarchive-dev libisal-dev libcurl4-openssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build context has no .git (see .dockerignore): name the commit for `gover --version`.
ARG GOVER_COMMIT=unknown
RUN GOVER_COMMIT="$GOVER_COMMIT" scripts/build-release && scripts/install.sh

# Stage 2: the runtime. gover needs only libcurl4 and libarchive13 (and ca-certificates for
# HTTPS); Go needs nothing. libisal2 would inflate faster but is optional (zlib otherwise).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libcurl4 libarchive13 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=gover-build /usr/local/bin/gover /usr/local/bin/gover

# The ENV lines a Dockerfile needs: where the store lives, and its `current/bin` (the active
# Go), its `bin` (the go1.X.Y links Go's own toolchain switching looks for) and root's
# GOPATH/bin (`go install`ed tools) first on PATH. No GOROOT: go finds its own root from its
# path. scripts/docker-smoke runs gover with exactly these values.
ENV GOVER_ROOT=/usr/local/goversions PATH=/usr/local/goversions/current/bin:/usr/local/goversions/bin:/root/go/bin:$PATH

# Unattended: no prompts, no progress bar without a terminal (one line per phase), and the
# download cache (release index, any kept archive) removed in the same layer.
# --build-arg GOVER_MIRROR=https://golang.google.cn/dl/ (or your own mirror) if go.dev is out of reach.
ARG GOVER_MIRROR=
RUN gover install --use 1.22.5 && gover cache clean && go version

# The store is relocatable (`current` is a relative symlink, nothing records an absolute
# path), so another image can take Go without gover:
#   COPY --from=go-with-gover /usr/local/goversions /usr/local/goversions

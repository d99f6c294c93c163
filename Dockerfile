# Build stage: only go commands, so the image builds on any Docker or Podman
# (classic builder syntax, no BuildKit-only features).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY internal ./internal
# The release workflow passes --build-arg VERSION=<tag>. Without it (the
# action built from this Dockerfile at a tag) nothing is stamped and the
# binary reports main.go's sourceVersion.
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w ${VERSION:+-X main.version=${VERSION}}" -o /codearts-logs .

# Final stage: the static binary, CA certificates and an empty /tmp (the
# artifact zip is built under os.TempDir(), and scratch has no /tmp), nothing
# else. It runs as root on purpose: the runner mounts /github/file_commands
# writable for root only, and the program gives what it creates in the
# workspace to the workspace's owner.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /tmp /tmp
COPY --from=build /codearts-logs /codearts-logs
ENTRYPOINT ["/codearts-logs"]

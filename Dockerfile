# Build: a static binary from the Go toolchain image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY audit/ audit/
COPY certs/ certs/
COPY cmd/ cmd/
COPY reconciler/ reconciler/
COPY webhook/ webhook/
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring.Version=${VERSION} -X kubernaut.ai/wfe-conditions/cmd/wfe-conditions/wiring.Commit=${COMMIT}" \
    -o /wfe-conditions ./cmd/wfe-conditions

# Run: distroless, no shell, non-root. `make image` builds the same image
# without a container engine (hack/image); its test holds the two equal.
FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.version=${VERSION} org.opencontainers.image.revision=${COMMIT} org.opencontainers.image.title=wfe-conditions
COPY --from=build /wfe-conditions /wfe-conditions
USER 65532:65532
# The webhook, the probes and the metrics (config/manager/manager.yaml).
EXPOSE 9443 8081 8443
ENTRYPOINT ["/wfe-conditions"]

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
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /wfe-conditions ./cmd/wfe-conditions

# Run: distroless, no shell, non-root.
FROM gcr.io/distroless/static:nonroot
COPY --from=build /wfe-conditions /wfe-conditions
USER 65532:65532
ENTRYPOINT ["/wfe-conditions"]

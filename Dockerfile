# zones3 image: the static zones3 binary alone, on an empty base.
#
# The binary is built outside the image, so that building the image needs
# neither a registry nor a Go toolchain inside Docker. From the repository
# root:
#
#   CGO_ENABLED=0 go build -trimpath -o zones3 ./cmd/zones3
#   docker build -t zones3:local .
#
# or from any folder holding just the binary (named zones3) and this file:
#
#   CGO_ENABLED=0 go build -trimpath -o ctx/zones3 ./cmd/zones3
#   cp Dockerfile ctx/ && docker build -t zones3:local ctx
#
# The binary must be static (CGO_ENABLED=0): scratch has no C library.
# zones3 needs nothing else from the image: it writes temporary files only
# under its --data folder (there is no /tmp here), resolves names with Go's
# own resolver from the /etc/hosts and /etc/resolv.conf Docker provides, and
# uses no public CA certificates (the gateway trusts node certificates only
# through --node-ca).
#
# Run it as a storage node or a gateway; docker-compose.yml shows a whole
# cluster:
#
#   docker run -v zones3-a:/data -e ZONES3_CLUSTER_SECRET=... zones3:local \
#     node --id node-a --zone zone-a --listen 0.0.0.0:9100 --data /data
#   docker run -p 127.0.0.1:9000:9000 -e ZONES3_CLUSTER_SECRET=... \
#     -e ZONES3_ROOT_ACCESS_KEY=... -e ZONES3_ROOT_SECRET_KEY=... zones3:local \
#     gateway --listen 0.0.0.0:9000 --node zone-a=node-a:9100 ...
FROM scratch
COPY zones3 /zones3
# A node keeps its Pebble database and shard files here.
VOLUME /data
# 9000: the S3 endpoint of a gateway; 9100: the internode API of a node.
EXPOSE 9000 9100
ENTRYPOINT ["/zones3"]

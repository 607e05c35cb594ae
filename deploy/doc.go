// Package deploy holds the Kubernetes manifests' tests.
//
// The manifests live in deploy/kubernetes; the tests parse every document
// and check what zones3 depends on: each node StatefulSet pinned to its own
// zone, the gateway given exactly the nodes' stable DNS names, health
// probes, and a kustomization.yaml that lists every manifest.
package deploy

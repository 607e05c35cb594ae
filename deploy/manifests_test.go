package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const (
	manifestDir       = "kubernetes"
	kustomizationFile = "kustomization.yaml"
	// exampleSecretFile holds placeholders only, so kustomization.yaml must
	// not list it.
	exampleSecretFile = "secrets.example.yaml"
	zoneLabel         = "topology.kubernetes.io/zone"
	nodePort          = "9100"
)

// object is the part of a Kubernetes object the tests look at.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas    *int   `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
		Template    struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
	Resources []string `yaml:"resources"` // of a Kustomization
}

type podSpec struct {
	Affinity struct {
		NodeAffinity struct {
			Required struct {
				Terms []struct {
					MatchExpressions []struct {
						Key      string   `yaml:"key"`
						Operator string   `yaml:"operator"`
						Values   []string `yaml:"values"`
					} `yaml:"matchExpressions"`
				} `yaml:"nodeSelectorTerms"`
			} `yaml:"requiredDuringSchedulingIgnoredDuringExecution"`
		} `yaml:"nodeAffinity"`
	} `yaml:"affinity"`
	TopologySpreadConstraints []struct {
		TopologyKey string `yaml:"topologyKey"`
	} `yaml:"topologySpreadConstraints"`
	Containers []container `yaml:"containers"`
}

type container struct {
	Name           string   `yaml:"name"`
	Image          string   `yaml:"image"`
	Args           []string `yaml:"args"`
	ReadinessProbe *probe   `yaml:"readinessProbe"`
	LivenessProbe  *probe   `yaml:"livenessProbe"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

// document is one YAML document of one manifest file.
type document struct {
	file string
	obj  object
}

func (d document) String() string {
	return fmt.Sprintf("%s: %s %s", d.file, d.obj.Kind, d.obj.Metadata.Name)
}

// manifestFiles returns the YAML files of deploy/kubernetes, sorted.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(manifestDir)
	if err != nil {
		t.Fatalf("read %s: %v", manifestDir, err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no manifests in %s", manifestDir)
	}
	return files
}

// decodeAll parses every YAML document of data.
func decodeAll(data []byte) ([]object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var objs []object
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", len(objs)+1, err)
		}
		var o object
		if err := node.Decode(&o); err != nil {
			return nil, fmt.Errorf("document %d: %w", len(objs)+1, err)
		}
		objs = append(objs, o)
	}
}

// loadDocuments parses every document of every manifest file.
func loadDocuments(t *testing.T) []document {
	t.Helper()
	var docs []document
	for _, f := range manifestFiles(t) {
		data, err := os.ReadFile(filepath.Join(manifestDir, f))
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		objs, err := decodeAll(data)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		if len(objs) == 0 {
			t.Errorf("%s: no YAML documents", f)
		}
		for _, o := range objs {
			docs = append(docs, document{file: f, obj: o})
		}
	}
	return docs
}

func byKind(docs []document, kind string) []document {
	var out []document
	for _, d := range docs {
		if d.obj.Kind == kind {
			out = append(out, d)
		}
	}
	return out
}

func TestEveryDocumentIsAnObject(t *testing.T) {
	for _, d := range loadDocuments(t) {
		if d.obj.APIVersion == "" || d.obj.Kind == "" || d.obj.Metadata.Name == "" {
			t.Errorf("%s: want apiVersion, kind and metadata.name; got %q, %q, %q",
				d.file, d.obj.APIVersion, d.obj.Kind, d.obj.Metadata.Name)
		}
	}
}

func TestWorkloadsRunZones3WithProbes(t *testing.T) {
	docs := loadDocuments(t)
	workloads := append(byKind(docs, "StatefulSet"), byKind(docs, "Deployment")...)
	if len(workloads) != 4 {
		t.Fatalf("want 3 StatefulSets and 1 Deployment, got %d workloads", len(workloads))
	}
	for _, d := range workloads {
		cs := d.obj.Spec.Template.Spec.Containers
		if len(cs) != 1 {
			t.Errorf("%s: want one container, got %d", d, len(cs))
			continue
		}
		c := cs[0]
		if c.Image == "" {
			t.Errorf("%s: container has no image", d)
		}
		want := "gateway"
		if d.obj.Kind == "StatefulSet" {
			want = "node"
		}
		if len(c.Args) == 0 || c.Args[0] != want {
			t.Errorf("%s: args %q, want first %q", d, c.Args, want)
		}
		if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/health/ready" {
			t.Errorf("%s: want a readiness probe on /health/ready", d)
		}
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/health/live" {
			t.Errorf("%s: want a liveness probe on /health/live", d)
		}
		if len(d.obj.Spec.Template.Spec.TopologySpreadConstraints) == 0 {
			t.Errorf("%s: no topologySpreadConstraints", d)
		}
	}
}

// nodeZone returns the zone a node StatefulSet is pinned to by required
// node affinity on topology.kubernetes.io/zone.
func nodeZone(d document) (string, error) {
	var zones []string
	for _, term := range d.obj.Spec.Template.Spec.Affinity.NodeAffinity.Required.Terms {
		for _, e := range term.MatchExpressions {
			if e.Key == zoneLabel && e.Operator == "In" {
				zones = append(zones, e.Values...)
			}
		}
	}
	if len(zones) != 1 {
		return "", fmt.Errorf("%s: want required node affinity on %s In one zone, got %q", d, zoneLabel, zones)
	}
	return zones[0], nil
}

// flagValue returns the value of --name in args (as "--name v" or
// "--name=v"), or "" when it is absent.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// flagValues returns every value of a repeated --name flag.
func flagValues(args []string, name string) []string {
	var vs []string
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			vs = append(vs, args[i+1])
		} else if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			vs = append(vs, v)
		}
	}
	return vs
}

func TestNodesAreInDistinctZones(t *testing.T) {
	sets := byKind(loadDocuments(t), "StatefulSet")
	if len(sets) != 3 {
		t.Fatalf("want 3 node StatefulSets, got %d", len(sets))
	}
	seen := map[string]string{}
	for _, d := range sets {
		zone, err := nodeZone(d)
		if err != nil {
			t.Error(err)
			continue
		}
		if other, ok := seen[zone]; ok {
			t.Errorf("%s and %s both pinned to zone %q", other, d.obj.Metadata.Name, zone)
		}
		seen[zone] = d.obj.Metadata.Name
	}
}

func TestFlagValue(t *testing.T) {
	args := []string{"gateway", "--listen", "0.0.0.0:9000", "--node", "a=x:1", "--node=b=y:2", "--zone"}
	for _, tc := range []struct {
		name string
		want string
	}{
		{"listen", "0.0.0.0:9000"},
		{"node", "a=x:1"},
		{"zone", ""}, // no value follows
		{"data", ""},
	} {
		if got := flagValue(args, tc.name); got != tc.want {
			t.Errorf("flagValue(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got, want := flagValues(args, "node"), []string{"a=x:1", "b=y:2"}; !slices.Equal(got, want) {
		t.Errorf("flagValues(node) = %q, want %q", got, want)
	}
}

// TestGatewayNamesEveryNode checks that the gateway's --node flags name
// exactly the StatefulSet pods' stable DNS names, each with its node's
// --zone: a node's placement identity is the address the gateway is given.
func TestGatewayNamesEveryNode(t *testing.T) {
	docs := loadDocuments(t)
	var want []string
	for _, d := range byKind(docs, "StatefulSet") {
		o := d.obj
		if o.Spec.ServiceName == "" || o.Metadata.Namespace == "" {
			t.Errorf("%s: want spec.serviceName and metadata.namespace", d)
			continue
		}
		replicas := 1
		if o.Spec.Replicas != nil {
			replicas = *o.Spec.Replicas
		}
		if len(o.Spec.Template.Spec.Containers) == 0 {
			continue // reported by TestWorkloadsRunZones3WithProbes
		}
		args := o.Spec.Template.Spec.Containers[0].Args
		zone := flagValue(args, "zone")
		if zone == "" {
			t.Errorf("%s: no --zone", d)
		}
		if got := flagValue(args, "listen"); !strings.HasSuffix(got, ":"+nodePort) {
			t.Errorf("%s: --listen %q, want port %s", d, got, nodePort)
		}
		for i := range replicas {
			want = append(want, fmt.Sprintf("%s=%s-%d.%s.%s.svc.cluster.local:%s",
				zone, o.Metadata.Name, i, o.Spec.ServiceName, o.Metadata.Namespace, nodePort))
		}
	}
	gateways := byKind(docs, "Deployment")
	if len(gateways) != 1 {
		t.Fatalf("want 1 gateway Deployment, got %d", len(gateways))
	}
	got := flagValues(gateways[0].obj.Spec.Template.Spec.Containers[0].Args, "node")
	sort.Strings(got)
	sort.Strings(want)
	if len(want) != 3 || !slices.Equal(got, want) {
		t.Errorf("gateway --node flags:\n got %q\nwant %q (one per node pod)", got, want)
	}
}

// TestHeadlessServicePerNodeSet checks that each StatefulSet's serviceName
// is a headless Service, which is what gives its pods their DNS names.
func TestHeadlessServicePerNodeSet(t *testing.T) {
	data := map[string]map[string]any{}
	for _, f := range manifestFiles(t) {
		raw, err := os.ReadFile(filepath.Join(manifestDir, f))
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var m map[string]any
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("parse %s: %v", f, err)
			}
			if m["kind"] == "Service" {
				md, _ := m["metadata"].(map[string]any)
				name, _ := md["name"].(string)
				spec, _ := m["spec"].(map[string]any)
				data[name] = spec
			}
		}
	}
	for _, d := range byKind(loadDocuments(t), "StatefulSet") {
		spec, ok := data[d.obj.Spec.ServiceName]
		if !ok {
			t.Errorf("%s: no Service %q", d, d.obj.Spec.ServiceName)
			continue
		}
		if spec["clusterIP"] != "None" {
			t.Errorf("Service %s: clusterIP %v, want None (headless)", d.obj.Spec.ServiceName, spec["clusterIP"])
		}
	}
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	var kust *object
	for _, d := range loadDocuments(t) {
		if d.file == kustomizationFile {
			kust = &d.obj
		}
	}
	if kust == nil {
		t.Fatalf("no %s", kustomizationFile)
	}
	var want []string
	for _, f := range manifestFiles(t) {
		if f != kustomizationFile && f != exampleSecretFile {
			want = append(want, f)
		}
	}
	got := slices.Clone(kust.Resources)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s resources:\n got %q\nwant %q", kustomizationFile, got, want)
	}
	if slices.Contains(kust.Resources, exampleSecretFile) {
		t.Errorf("%s lists %s, which holds placeholders only", kustomizationFile, exampleSecretFile)
	}
}

// TestKubectl builds the kustomization with kubectl (offline) and, when a
// cluster answers, dry-runs every manifest against it. Skipped without
// kubectl.
func TestKubectl(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	t.Run("kustomize", func(t *testing.T) {
		out, err := exec.Command(kubectl, "kustomize", manifestDir).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl kustomize: %v\n%s", err, out)
		}
		objs, err := decodeAll(out)
		if err != nil {
			t.Fatalf("parse kubectl kustomize output: %v", err)
		}
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[o.Kind]++
		}
		for kind, n := range map[string]int{"Namespace": 1, "StatefulSet": 3, "Deployment": 1, "Service": 4, "PodDisruptionBudget": 2} {
			if kinds[kind] != n {
				t.Errorf("kustomize output has %d %s, want %d", kinds[kind], kind, n)
			}
		}
		if kinds["Secret"] != 0 {
			t.Errorf("kustomize output has a Secret; the example secret must not be applied")
		}
	})
	t.Run("dry-run", func(t *testing.T) {
		for _, f := range manifestFiles(t) {
			if f == kustomizationFile {
				continue
			}
			out, err := exec.Command(kubectl, "apply", "--dry-run=client", "--request-timeout=5s",
				"-f", filepath.Join(manifestDir, f)).CombinedOutput()
			if err != nil && noCluster(out) {
				t.Skipf("no cluster for kubectl apply --dry-run=client: %s", firstLine(out))
			}
			if err != nil {
				t.Errorf("kubectl apply --dry-run=client -f %s: %v\n%s", f, err, out)
			}
		}
	})
}

// noCluster reports whether kubectl failed for want of an API server,
// which client-side dry runs still need for discovery.
func noCluster(out []byte) bool {
	for _, s := range []string{"connection refused", "no such host", "Unable to connect", "i/o timeout", "context deadline exceeded"} {
		if bytes.Contains(out, []byte(s)) {
			return true
		}
	}
	return false
}

func firstLine(out []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
)

// AdminPrefix is where the operator API is served. No bucket can be named
// "_zones3" (bucket names have no '_'), so the API never hides a bucket.
//
//	GET  /_zones3/admin/v1/status   AdminStatus
//	POST /_zones3/admin/v1/heal     starts a full scanner pass: its PassStatus (202)
//
// Every request must be signed (SigV4) with AdminAccessKey, the root
// key. Answers and errors are JSON; an error is {"code", "message"}.
const AdminPrefix = "/_zones3/admin/v1/"

// Admin is what the operator API needs of the object layer;
// *objectlayer.Layer implements it.
type Admin interface {
	RepairStatus(ctx context.Context) objectlayer.RepairStatus
	StartHeal() (objectlayer.PassStatus, error)
}

// AdminNode is one storage node as the gateway last saw it.
type AdminNode struct {
	ID         string `json:"id"`
	Zone       string `json:"zone"`
	Up         bool   `json:"up"`
	UsedBytes  int64  `json:"usedBytes"`
	FreeBytes  int64  `json:"freeBytes"`
	ShardFiles int64  `json:"shardFiles"`
}

// AdminStatus is the answer of GET /_zones3/admin/v1/status.
type AdminStatus struct {
	Ready      bool                     `json:"ready"`
	ReadyError string                   `json:"readyError,omitempty"`
	Nodes      []AdminNode              `json:"nodes"`
	Repair     objectlayer.RepairStatus `json:"repair"`
}

// serveAdmin answers the operator API; it reports false for any other
// path.
func (h *handler) serveAdmin(w *respWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, AdminPrefix) || VirtualHostBucket(r.Host, h.domains) != "" {
		return false
	}
	if h.admin == nil {
		writeAdminError(w, http.StatusNotFound, "NotFound", "the operator API is not enabled on this gateway")
		return true
	}
	auth, err := h.verifyAdmin(r)
	if err != nil {
		e, _ := toAPIError(err)
		writeAdminError(w, e.Status, e.Code, e.Message)
		return true
	}
	h.log.Debug("admin request", "method", r.Method, "path", r.URL.Path, "access_key", auth.AccessKey)
	route := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	switch {
	case route == "status" && r.Method == http.MethodGet:
		st := AdminStatus{Ready: true, Nodes: []AdminNode{}, Repair: h.admin.RepairStatus(r.Context())}
		if h.ready != nil {
			if err := h.ready(); err != nil {
				st.Ready, st.ReadyError = false, err.Error()
			}
		}
		if h.adminNodes != nil {
			st.Nodes = h.adminNodes()
		}
		writeAdminJSON(w, http.StatusOK, st)
	case route == "heal" && r.Method == http.MethodPost:
		p, err := h.admin.StartHeal()
		if err != nil {
			writeAdminError(w, http.StatusConflict, "HealUnavailable", err.Error())
			return true
		}
		h.log.Info("heal requested", "pass", p.ID, "access_key", auth.AccessKey)
		writeAdminJSON(w, http.StatusAccepted, p)
	case route == "status" || route == "heal":
		w.Header().Set("Allow", map[string]string{"status": "GET", "heal": "POST"}[route])
		writeAdminError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not allowed on "+r.URL.Path)
	default:
		writeAdminError(w, http.StatusNotFound, "NotFound", "no operator API at "+r.URL.Path)
	}
	return true
}

var errNotAdmin = errors.New("not the root key")

// verifyAdmin accepts only requests signed with the admin (root) key.
func (h *handler) verifyAdmin(r *http.Request) (iam.Auth, error) {
	if h.verifier == nil || h.adminKey == "" {
		return iam.Auth{}, errAccessDenied
	}
	auth, err := h.verifier.Verify(r)
	if err != nil {
		return auth, err
	}
	if auth.Method == iam.AuthAnonymous || auth.AccessKey != h.adminKey {
		h.log.Warn("admin request refused", "path", r.URL.Path, "access_key", auth.AccessKey, "err", errNotAdmin)
		return auth, errAccessDenied
	}
	return auth, nil
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeAdminError(w http.ResponseWriter, status int, code, msg string) {
	writeAdminJSON(w, status, map[string]string{"code": code, "message": msg})
}

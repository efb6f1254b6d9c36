package emulate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// serverJSON is server_to_json (app/controllers/api/servers_controller.rb),
// fields in its order: tag and bbb_version "" when nil, load "unavailable"
// when nil, load_multiplier a BigDecimal (Rails renders it as a string),
// online "online" or "offline".
type serverJSON struct {
	ID             string          `json:"id"`
	URL            string          `json:"url"`
	Secret         string          `json:"secret"`
	Tag            string          `json:"tag"`
	BBBVersion     string          `json:"bbb_version"`
	State          string          `json:"state"`
	Load           json.RawMessage `json:"load"`
	LoadMultiplier string          `json:"load_multiplier"`
	Online         string          `json:"online"`
}

// rubyFloat writes a number as Ruby's Float#to_s and BigDecimal#to_s (as
// ActiveSupport formats it) do for ordinary values: 12.0, 1.5.
func rubyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func (srv *server) json() serverJSON {
	j := serverJSON{ID: srv.id, URL: srv.url, Secret: srv.secret, Tag: srv.tag, BBBVersion: srv.bbbVersion, State: srv.state,
		Load: json.RawMessage(`"unavailable"`), LoadMultiplier: rubyFloat(srv.loadMultiplier), Online: "offline"}
	if srv.load != nil {
		j.Load = json.RawMessage(rubyFloat(*srv.load))
	}
	if srv.online {
		j.Online = "online"
	}
	return j
}

// writeJSON is render json: with a status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// requestParams are Rails' params for a server API call: the query string
// and the JSON body (query values win, as in ActionDispatch), with the
// body also wrapped under "server" when it has no such key
// (config/initializers/wrap_parameters.rb, ParamsWrapper).
type requestParams map[string]any

// missingServer is what params.require(:server) raises when the body has
// no server object: ActionController::ParameterMissing, rendered by
// application_controller.rb as internalError (actionpack 7.2 wording).
const missingServer = "param is missing or the value is empty: server"

// requireServer is params.require(:server) of server_create_params and
// server_update_params: the server object, or missingServer written.
func requireServer(w http.ResponseWriter, p requestParams) (requestParams, bool) {
	sp, _ := p["server"].(map[string]any)
	if !present(sp) {
		writeFailed(w, "internalError", missingServer)
		return nil, false
	}
	return requestParams(sp), true
}

// readServerAPIParams checks the Content-Type as
// ScaleliteApiController#verify_content_type does (a POST with a body
// must be application/json) and parses the body. ok is false when an
// answer was written.
func readServerAPIParams(w http.ResponseWriter, r *http.Request) (requestParams, bool) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	p := requestParams{}
	if r.Method == http.MethodPost && len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/json" {
			writeFailed(w, "unsupportedContentType", "POST request Content-Type is missing or unsupported")
			return nil, false
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			// ActionDispatch::Http::Parameters::ParseError is a 400.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("<html><body><h1>400 Bad Request</h1></body></html>\n"))
			return nil, false
		}
		for k, v := range obj {
			p[k] = v
		}
		if _, ok := obj["server"]; !ok && len(obj) > 0 {
			p["server"] = obj
		}
	}
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	return p, true
}

// str is a parameter as a string ("" when absent or not a scalar).
func (p requestParams) str(k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// present is Ruby's present?: not nil, false, or a blank string.
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return strings.TrimSpace(x) != ""
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// toD is Ruby's #to_d on a number or a string (its leading number; 0 when
// none), as servers_controller.rb and server_update_service.rb use it.
func toD(v any) float64 {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case string:
		s := strings.TrimSpace(x)
		end := 0
		for i, c := range s {
			if (c >= '0' && c <= '9') || c == '.' || ((c == '-' || c == '+') && i == 0) {
				end = i + 1
				continue
			}
			break
		}
		f, _ := strconv.ParseFloat(strings.TrimRight(s[:end], "."), 64)
		return f
	}
	return 0
}

// serveServerAPI answers /scalelite/api/ACTION after the before_actions of
// ScaleliteApiController: verify_content_type, then verify_checksum(true)
// (the load balancer's secret only), then ServersController#set_server.
func (s *Scalelite) serveServerAPI(w http.ResponseWriter, r *http.Request, action string) {
	p, ok := readServerAPIParams(w, r)
	if !ok {
		return
	}
	if !s.checksumOK(r, action, p.str("checksum")) {
		writeChecksumError(w)
		return
	}
	var srv *server
	if action != "getServers" && action != "addServer" {
		id := p.str("id")
		s.mu.Lock()
		srv = s.servers[id]
		s.mu.Unlock()
		if srv == nil {
			jsonError(w, http.StatusNotFound, "Couldn't find server with id="+id)
			return
		}
	}
	switch action {
	case "getServers":
		s.mu.Lock()
		all := s.all()
		out := make([]serverJSON, 0, len(all))
		for _, srv := range all {
			out = append(out, srv.json())
		}
		s.mu.Unlock()
		if len(out) == 0 {
			jsonError(w, http.StatusNotFound, "No servers are configured")
			return
		}
		writeJSON(w, http.StatusOK, out)
	case "getServerInfo":
		s.mu.Lock()
		j := srv.json()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, j)
	case "addServer":
		sp, ok := requireServer(w, p)
		if !ok {
			return
		}
		if !present(sp["url"]) || !present(sp["secret"]) {
			jsonError(w, http.StatusBadRequest, "Server needs a URL and a secret")
			return
		}
		// load_multiplier.presence&.to_d || 1.0, and 1.0 when zero.
		mult := 1.0
		if present(sp["load_multiplier"]) {
			mult = toD(sp["load_multiplier"])
		}
		if mult == 0 {
			mult = 1
		}
		s.mu.Lock()
		// Server.create!: no state (shown "disabled"), offline, no load.
		srv := &server{id: s.newID(), url: sp.str("url"), secret: sp.str("secret"), state: "disabled", loadMultiplier: mult}
		if present(sp["tag"]) {
			srv.tag = sp.str("tag")
		}
		s.servers[srv.id] = srv
		s.order = append(s.order, srv.id)
		j := srv.json()
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, j)
	case "updateServer":
		sp, ok := requireServer(w, p)
		if !ok {
			return
		}
		s.mu.Lock()
		j, err := s.update(srv, sp)
		s.mu.Unlock()
		if err != "" {
			jsonError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, j)
	case "deleteServer":
		s.mu.Lock()
		s.remove(srv.id)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"success": "Server id=" + srv.id + " was destroyed"})
	case "panicServer":
		// keep_state is read at the top level (server_panic_params:
		// params.permit(:keep_state)), with Ruby's truthiness.
		keep := present(p["keep_state"])
		if err := s.panic(context.Background(), srv.id, keep, false, true); err != nil {
			jsonError(w, http.StatusBadRequest, "Couldn't disable server id="+srv.id)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"success": "Server id=" + srv.id + " has been disabled and the meetings have been destroyed"})
	}
}

// update is ServerUpdateService#call (app/services/server_update_service.rb):
// every change checked before any is saved (one save! at the end; an
// ArgumentError before it saves nothing). Holds mu.
func (s *Scalelite) update(srv *server, sp requestParams) (serverJSON, string) {
	state := srv.state
	if present(sp["state"]) {
		switch sp.str("state") {
		case "enable":
			state = "enabled"
		case "cordon":
			state = "cordoned"
		case "disable":
			state = "disabled"
		default:
			return serverJSON{}, "Invalid state parameter: " + sp.str("state")
		}
	}
	mult := srv.loadMultiplier
	if present(sp["load_multiplier"]) {
		if mult = toD(sp["load_multiplier"]); mult == 0 {
			return serverJSON{}, "Load-multiplier must be a non-zero number"
		}
	}
	if present(sp["secret"]) {
		srv.secret = sp.str("secret")
	}
	if _, ok := sp["tag"]; ok && sp["tag"] != nil {
		srv.tag = ""
		if present(sp["tag"]) {
			srv.tag = sp.str("tag")
		}
	}
	srv.loadMultiplier = mult
	srv.setState(state)
	return srv.json(), ""
}

// checksumOK is verify_checksum (api_helper.rb) with the load balancer's
// secret: a checksum present, of a known length, its algorithm allowed,
// over the lowerCamel action name and the query string without it.
func (s *Scalelite) checksumOK(r *http.Request, action, sum string) bool {
	algo := lbChecksumAlgorithm(sum)
	if sum == "" || algo == "" || !s.acceptsAlgorithm(algo) {
		return false
	}
	return Checksum(algo, action, queryRemoveChecksum(r.URL.RawQuery, sum), s.secret) == sum
}

// writeChecksumError is ChecksumError (app/controllers/concerns/bbb_errors.rb)
// rendered by application_controller.rb: HTTP 200, XML.
func writeChecksumError(w http.ResponseWriter) {
	writeFailed(w, "checksumError", "You did not pass the checksum security check")
}

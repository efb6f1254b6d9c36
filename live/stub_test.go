package live_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/scalite/scalite/config"
	"github.com/scalite/scalite/datasets"
	"github.com/scalite/scalite/engine"
	"github.com/scalite/scalite/live"
	"github.com/scalite/scalite/model"
)

// listedScalelite answers getServers with a fixed list, in the shape
// Scalelite's server_to_json gives (app/controllers/concerns/api_helper.rb
// in blindsidenetworks/scalelite); writes are refused, so a test using it
// proves the controller did not try any.
type listedScalelite struct{ servers []live.ScaleliteServer }

func (l *listedScalelite) Servers(context.Context) ([]live.ScaleliteServer, error) {
	return l.servers, nil
}
func (l *listedScalelite) AddServer(context.Context, string, string, float64, string) (live.ScaleliteServer, error) {
	panic("listedScalelite: addServer")
}
func (l *listedScalelite) SetState(context.Context, string, string) error {
	panic("listedScalelite: updateServer")
}
func (l *listedScalelite) DeleteServer(context.Context, string) error {
	panic("listedScalelite: deleteServer")
}

// emptyFleet is an EC2 region where the fleet has no instance
// (DescribeInstances with the fleet's tag filter answers no reservation).
type emptyFleet struct{}

func (emptyFleet) Name() string                                       { return "test" }
func (emptyFleet) Instances(context.Context) ([]live.Instance, error) { return nil, nil }
func (emptyFleet) Gone(context.Context) ([]live.Instance, error)      { return nil, nil }
func (emptyFleet) Launch(context.Context, live.LaunchRequest) ([]string, error) {
	panic("emptyFleet: launch")
}
func (emptyFleet) Terminate(context.Context, ...string) error        { panic("emptyFleet: terminate") }
func (emptyFleet) Tag(context.Context, string, string, string) error { panic("emptyFleet: tag") }

func defaultPolicy(t testing.TB) model.Policy {
	t.Helper()
	cfg := config.Default()
	cfg.Placement.LargeMeeting = 0
	pol, err := cfg.Policy(datasets.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

// newStubController is a dry-run controller over a fixed Scalelite list
// and no instances; BBB servers are read for real, with short timeouts.
func newStubController(t testing.TB, servers []live.ScaleliteServer, log *slog.Logger) *live.Controller {
	t.Helper()
	planner, err := engine.New(defaultPolicy(t))
	if err != nil {
		t.Fatal(err)
	}
	client := live.NewHTTPClient(300 * time.Millisecond)
	return &live.Controller{
		Fleet: emptyFleet{}, Scalelite: &listedScalelite{servers}, Planner: planner, State: engine.NewState(2),
		BBB: func(url, secret string) (live.MeetingEnder, error) { return live.NewBBB(url, secret, client) },
		Prices: func(_ context.Context, m []model.MarketKey, _ time.Time) (map[model.MarketKey]float64, error) {
			out := map[model.MarketKey]float64{}
			for _, k := range m {
				out[k] = 0.3
			}
			return out, nil
		},
		BBBURL: func(in live.Instance) string { return "http://" + in.ID + ".invalid/bigbluebutton/api" }, BBBSecret: bbbSecret,
		Clock: func() time.Time { return datasets.DefaultStart.Add(10 * time.Hour) }, Log: log, BBBTimeout: 2 * time.Second,
	}
}

func (l *listedScalelite) SetLoadMultiplier(context.Context, string, float64) error {
	panic("listedScalelite: updateServer")
}

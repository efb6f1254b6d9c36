package sim

import "testing"

// TestRefusedReplanLeavesThePlanDirty: re-plans at one instant are bounded;
// one refused leaves the plan dirty, so the next reconcile plans what it
// would have (a reclaim or a price change that noticed servers marks
// nothing dirty itself: ticks.go takes it to move only the demand).
func TestRefusedReplanLeavesThePlanDirty(t *testing.T) {
	w := &world{o: &Options{}, now: 1000, replanAt: -1}
	for i := range 8 {
		w.replan()
		if w.planDirty {
			t.Fatalf("re-plan %d at one instant left the plan dirty", i+1)
		}
	}
	if w.q.len() != 8 {
		t.Fatalf("%d re-plans queued, want 8", w.q.len())
	}
	w.replan()
	if !w.planDirty || w.q.len() != 8 {
		t.Errorf("a ninth re-plan at one instant: dirty %v, %d queued; want dirty and 8", w.planDirty, w.q.len())
	}
}

// TestNoticeMarksThePlanDirty: an interruption notice changes what the
// engine sees, so the next reconcile plans even when the notice came from
// an event that moves only the demand as ticks.go sees it (a price above
// the max price, a pool going unavailable), and even before the re-plan
// it asks for comes.
func TestNoticeMarksThePlanDirty(t *testing.T) {
	w := &world{o: &Options{}, now: 1000, replanAt: -1, insts: []instance{{spot: true}}}
	w.notice(0)
	if !w.planDirty || !w.insts[0].interruption {
		t.Errorf("after a notice: plan dirty %v, interruption %v; want both", w.planDirty, w.insts[0].interruption)
	}
}

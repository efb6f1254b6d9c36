package sim

import "github.com/scalite/scalite/engine"

// ServedPerServer runs o with its policy's planner and counts, per server,
// the meetings from index from onwards that ended up served there. It lets
// the external tests, which build Options through package scenario, look
// at placement inside the world.
func ServedPerServer(o *Options, from int) (map[int32]int, error) {
	planner, err := engine.New(o.Policy)
	if err != nil {
		return nil, err
	}
	w := newWorld(o, planner)
	w.run()
	perServer := map[int32]int{}
	for i := from; i < len(w.meetings); i++ {
		if mr := w.meetings[i]; mr.mode == modeServed {
			perServer[mr.server]++
		}
	}
	return perServer, nil
}

// CarryOutEveryTick makes every poll and periodic plan run, as the model
// did before idle ticks were skipped: the reference the skipping is
// checked against.
func CarryOutEveryTick(on bool) { carryOutEveryTick = on }

// ReuseInstanceSlots turns the reuse of gone instances' slots on or off,
// and InstanceSlots runs o and tells how many slots its world used.
func ReuseInstanceSlots(on bool) { reuseInstanceSlots = on }

// JoinsInQueue puts joins in the event queue, as before they waited in a
// list of their own.
func JoinsInQueue(on bool) { joinsInQueue = on }

// ScanAllServers makes placement scan every live server instead of the
// list of enabled ones.
func ScanAllServers(on bool) { enabledList = !on }

func InstanceSlots(o Options) (slots int, err error) {
	planner, err := engine.New(o.Policy)
	if err != nil {
		return 0, err
	}
	w := newWorld(&o, planner)
	w.run()
	return len(w.insts), nil
}

// Command scalite simulates, plans and runs BigBlueButton fleets behind
// Scalelite on AWS spot instances. This package only wires flags to the
// library packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// version is the Scalite release; the model version used by baselines lives
// with the simulator.
var version = "0.1.0"

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run executes the CLI; tests call it directly.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	if err := app.Run(args); err != nil {
		fmt.Fprintf(stderr, "scalite: %v\n", err)
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "scalite",
		Usage:   "cost simulator, capacity planner and autoscaler for BigBlueButton fleets on AWS spot",
		Version: version,
		Writer:  stdout, ErrWriter: stderr,
		// Errors are printed once, by run.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			catalogCommand(),
			configCommand(),
			pricesCommand(),
			traceCommand(),
			simCommand(),
			sweepCommand(),
			regressCommand(),
			liveCommand(),
			agentCommand(),
			emulateCommand(),
			interruptionsCommand(),
		},
		OnUsageError: onUsageError,
	}
	setUsageErrors(app.Commands)
	return app
}

// onUsageError turns a flag error into exit code 2 with a pointer to help.
func onUsageError(c *cli.Context, err error, _ bool) error {
	return cli.Exit(fmt.Sprintf("usage: %v (see %s --help)", err, c.Command.HelpName), 2)
}

func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		setUsageErrors(c.Subcommands)
	}
}

// usageErr marks a wrong invocation: exit code 2.
func usageErr(format string, args ...any) error {
	return cli.Exit("usage: "+fmt.Sprintf(format, args...), 2)
}

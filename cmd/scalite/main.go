// Command scalite simulates, plans and runs BigBlueButton fleets behind
// Scalelite on AWS spot instances. This package only wires flags to the
// library packages.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
	if err := app.Run(awsCLILists(args)); err != nil {
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
			capacityCommand(),
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

// setUsageErrors makes every command answer a usage error with exit code
// 2, and a command that takes no arguments (no ArgsUsage) refuse any: a
// stray word would otherwise end flag parsing silently, and the flags
// after it be ignored.
func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = onUsageError
		if c.Action != nil && c.ArgsUsage == "" {
			action := c.Action
			c.Action = func(ctx *cli.Context) error {
				if ctx.NArg() > 0 {
					return usageErr("%s takes no arguments, got %q (a list flag's values go comma-separated, or each after the flag)", ctx.Command.FullName(), ctx.Args().First())
				}
				return action(ctx)
			}
		}
		setUsageErrors(c.Subcommands)
	}
}

// listFlags take several values the AWS CLI way, space-separated after the
// flag (--instance-types c5a.4xlarge m5.4xlarge), as well as comma-separated.
var listFlags = map[string]bool{"--instance-types": true, "--product-descriptions": true, "--product-description": true}

// awsCLILists joins the values that follow a list flag into one
// comma-separated value, so that flag parsing goes on after them.
func awsCLILists(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		out = append(out, args[i])
		if args[i] == "--" {
			return append(out, args[i+1:]...)
		}
		if !listFlags[args[i]] || i+1 >= len(args) {
			continue
		}
		vals := []string{args[i+1]}
		i++
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			vals = append(vals, args[i+1])
			i++
		}
		out = append(out, strings.Join(vals, ","))
	}
	return out
}

// usageErr marks a wrong invocation: exit code 2.
func usageErr(format string, args ...any) error {
	return cli.Exit("usage: "+fmt.Sprintf(format, args...), 2)
}

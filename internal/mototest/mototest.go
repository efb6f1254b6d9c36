// Package mototest runs moto_server, a real implementation of the AWS APIs
// in Python, on loopback for tests, and skips them when it is absent.
package mototest

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the region the tests' clients name; moto serves any.
const Region = "eu-west-1"

// Credentials are the dummy credentials moto accepts.
func Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("testing", "testing", "")
}

// FreePort asks the kernel for a free loopback port.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitPort waits until something listens on the loopback port.
func WaitPort(t testing.TB, port int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("nothing listens on 127.0.0.1:%d after %s", port, within)
}

// StartProcess runs a test double in its own process group and kills the
// whole group at the end: moto_server is a pyenv shim script whose child
// is the process that listens, so killing the shim alone would leave it.
func StartProcess(t testing.TB, port int, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	WaitPort(t, port, 30*time.Second)
}

// Start runs a fresh moto_server on 127.0.0.1 and returns its endpoint URL
// for a client's BaseEndpoint. It skips the test when moto_server is not
// installed.
func Start(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not installed: skipping the tests against it (pip install 'moto[server]')")
	}
	port := FreePort(t)
	StartProcess(t, port, "moto_server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

package dingtalk

import (
	"fmt"
	"strings"

	"dangke"
)

// withChoices is a reply's text with its question's buttons as numbered
// choices and how to answer them. A DingTalk robot cannot receive the tap
// of an ActionCard button (its buttons open links), and an interactive card
// needs a template registered in the developer console, so the choices are
// typed: in a group, with the robot @-mentioned, since DingTalk hands a
// group robot only the messages that mention it. Buttons that are not a
// question's (the [撤销] under a confirmation) are left out: the text says
// /撤销 already, and a bare number must not undo.
func withChoices(reply *dangke.Reply, group bool, robot string) string {
	if !reply.Question || len(reply.Buttons) == 0 {
		return reply.Text
	}
	parts := make([]string, len(reply.Buttons))
	for i, b := range reply.Buttons {
		parts[i] = fmt.Sprintf("[%d] %s", i+1, b.Label)
	}
	how := "回复序号即可，例：1"
	if group {
		how = fmt.Sprintf("请 @%s 回复序号，例：@%s 1", robot, robot)
	}
	return strings.TrimRight(reply.Text, "\n") + "\n" + strings.Join(parts, "  ") + "\n" + how
}

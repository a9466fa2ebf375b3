// Package console is the bot's local adapter: one message per line on an
// input, each reply printed to an output. It serves a person at a terminal,
// piped scripts, and the transcript tests.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"dangke"
	"dangke/atomicfile"
)

// Platform is the console's name in ChatRef and Person keys.
const Platform = "console"

// Adapter reads lines from In and writes replies to Out. Two meta lines
// change who is talking: ":as NAME" sets the sender to console:NAME, and
// ":in CHAT" moves into the group chat console:CHAT (":in" alone goes back
// to the 1:1 chat). A line ":file NAME [TEXT]" sends the file NAME from
// FileDir as an attachment, with TEXT as the message (a caption).
type Adapter struct {
	FileDir string // where ":file" lines find their files
	In      io.Reader
	Out     io.Writer
	OutDir  string           // where reply files are written; "." by default
	Prompt  bool             // print a "NAME> " prompt before each line (interactive use)
	Echo    bool             // print each input line before its reply (transcripts)
	Now     func() time.Time // the clock stamped on each request

	mu      sync.Mutex                 // serialises writes to Out
	buttons map[string][]dangke.Button // the buttons under the last reply in each chat
}

// Name returns "console".
func (a *Adapter) Name() string { return Platform }

// Run handles one line at a time until the input ends or ctx is cancelled.
func (a *Adapter) Run(ctx context.Context, h dangke.Handler) error {
	now := a.Now
	if now == nil {
		now = time.Now
	}
	from := dangke.Person{Platform: Platform, ID: "admin", Name: "admin"}
	chat := dangke.ChatRef{Platform: Platform, ID: "console"}
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.In)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	for {
		a.prompt(from, chat)
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			if err := <-errc; err != nil {
				return fmt.Errorf("console: read: %w", err)
			}
			return nil
		}
		line = strings.TrimRight(line, "\r")
		if rest, ok := strings.CutPrefix(line, ":as"); ok {
			name := strings.TrimSpace(rest)
			if name == "" {
				name = "admin"
			}
			from = dangke.Person{Platform: Platform, ID: name, Name: name}
			continue
		}
		if rest, ok := strings.CutPrefix(line, ":in"); ok {
			if id := strings.TrimSpace(rest); id == "" {
				chat = dangke.ChatRef{Platform: Platform, ID: "console"}
			} else {
				chat = dangke.ChatRef{Platform: Platform, ID: id, Group: true, Title: id}
			}
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue // blank lines and comments in scripts
		}
		if a.Echo {
			a.echo(from, chat, line)
		}
		req := dangke.Request{Chat: chat, From: from, Text: line, Time: now()}
		if rest, ok := strings.CutPrefix(line, ":file "); ok {
			name, text, _ := strings.Cut(strings.TrimSpace(rest), " ")
			req.Text = strings.TrimSpace(text)
			req.Attachments = []dangke.Attachment{a.attachment(name)}
		} else if b, ok := a.pressed(chat, line); ok { // a number takes the button it names
			req.Text, req.Token = "", b.Token
		}
		reply, _ := h.Handle(ctx, req) // the reply already says what went wrong
		if reply == nil || !reply.Refused {
			a.keep(chat, reply)
		}
		if err := a.write(chat, reply); err != nil {
			return err
		}
	}
}

// pressed returns the button a line names by its number under the last
// reply in the chat.
func (a *Adapter) pressed(chat dangke.ChatRef, line string) (dangke.Button, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	bs := a.buttons[chat.Key()]
	n, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || n < 1 || n > len(bs) {
		return dangke.Button{}, false
	}
	return bs[n-1], true
}

// keep remembers the buttons under a reply (none: forgets the earlier ones).
func (a *Adapter) keep(chat dangke.ChatRef, reply *dangke.Reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.buttons == nil {
		a.buttons = map[string][]dangke.Button{}
	}
	if reply == nil || len(reply.Buttons) == 0 {
		delete(a.buttons, chat.Key())
		return
	}
	a.buttons[chat.Key()] = reply.Buttons
}

// Choices lists buttons as numbered choices: [1] 社区 [2] 学校.
func Choices(bs []dangke.Button) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = fmt.Sprintf("[%d] %s", i+1, b.Label)
	}
	return strings.Join(parts, " ")
}

func (a *Adapter) prompt(from dangke.Person, chat dangke.ChatRef) {
	if !a.Prompt {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	where := ""
	if chat.Group {
		where = "@" + chat.ID
	}
	fmt.Fprintf(a.Out, "%s%s> ", from.ID, where)
}

func (a *Adapter) echo(from dangke.Person, chat dangke.ChatRef, line string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	where := ""
	if chat.Group {
		where = "@" + chat.ID
	}
	fmt.Fprintf(a.Out, "\n%s%s> %s\n", from.ID, where, line)
}

// Notify prints a message addressed to a chat, as a proactive send would deliver it.
func (a *Adapter) Notify(_ context.Context, chat dangke.ChatRef, reply *dangke.Reply) error {
	a.mu.Lock()
	fmt.Fprintf(a.Out, "[发往 %s]\n", chat.Key())
	a.mu.Unlock()
	return a.write(chat, reply)
}

func (a *Adapter) write(chat dangke.ChatRef, reply *dangke.Reply) error {
	if reply == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if reply.Pressed != "" {
		fmt.Fprintf(a.Out, "（已选：%s）\n", reply.Pressed)
	}
	if reply.Text != "" {
		if _, err := fmt.Fprintln(a.Out, reply.Text); err != nil {
			return fmt.Errorf("console: write: %w", err)
		}
	}
	if len(reply.Buttons) > 0 {
		fmt.Fprintln(a.Out, Choices(reply.Buttons)+"（回复序号）")
	}
	for _, f := range reply.Files {
		dir := a.OutDir
		if dir == "" {
			dir = "."
		}
		path := filepath.Join(dir, filepath.Base(f.Name))
		// Written whole or not at all; a failure (a full disk) is said on
		// the screen and the console goes on with its input.
		if err := atomicfile.Write(path, f.Data); err != nil {
			if _, werr := fmt.Fprintf(a.Out, "❌ 文件没有保存：%s（%v）。原有的同名文件不变；腾出空间或改 console.out_dir 后再导出一次。\n", path, err); werr != nil {
				return fmt.Errorf("console: write: %w", werr)
			}
			continue
		}
		fmt.Fprintf(a.Out, "📎 已保存文件：%s\n", path)
	}
	return nil
}

// attachment is a file of FileDir sent with a message.
func (a *Adapter) attachment(name string) dangke.Attachment {
	path := filepath.Join(a.FileDir, filepath.Base(name))
	kind := dangke.KindFile
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic":
		kind = dangke.KindImage
	case ".mp4", ".mov":
		kind = dangke.KindVideo
	}
	return dangke.Attachment{Kind: kind, Name: filepath.Base(name), Open: func(context.Context) (io.ReadCloser, error) {
		return os.Open(path)
	}}
}

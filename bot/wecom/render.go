package wecom

import "dangke/bot"

// render turns plain reply text into the markdown WeCom shows (stream
// replies, aibot_send_msg and group robot markdown), so that it shows as
// typed: members type parts of every reply, and a title such as
// "[领补贴](http://x)" must not become a link in a message the bot signs, nor
// "<@all>" a mention. WeCom's markdown does not honour backslash escapes, so
// bot.Defuse breaks those constructs apart without any; bold and inline code
// typed by a member still render (nothing can escape them there), which only
// changes how the text looks.
func render(text string) string { return bot.Defuse(text) }

// Package wecom connects the bot to WeCom (企业微信) through its intelligent
// robot (智能机器人) in API mode: by default over the long connection (one
// WebSocket, no public URL), or through an encrypted callback URL. Group
// robot webhooks (群机器人) carry proactive messages and files to groups the
// long connection cannot reach.
package wecom

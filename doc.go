// Package dangke is the domain of the 党课助手 bot: the units of the campaign,
// the lectures and lecturers they log, the figures rolled up the unit tree,
// and the interfaces through which the chat adapters, the commands and the
// store meet. It imports only the standard library.
package dangke

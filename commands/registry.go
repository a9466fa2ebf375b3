package commands

// Registry is the one list of the bot's commands, in the order /帮助 shows
// them. Adding a command means writing its file and adding it here.
func Registry(r *Router) []*Command {
	return []*Command{
		lectureCommand(),
		instructorCommand(),
		statsCommand(r),
		digestCommand(r),
		chartCommand(r),
		listCommand(),
		exportCommand(r),
		poolCommand(),
		undoCommand(r),
		cancelCommand(),
		unitAddCommand(),
		unitMembersCommand(),
		unitBindCommand(),
		unitTreeCommand(),
		unitRenameCommand(),
		unitMoveCommand(),
		unitMergeCommand(),
		unitDeleteCommand(),
		unitUnbindCommand(),
		webhookCommand(),
		roleGrantCommand(),
		roleRevokeCommand(),
		roleListCommand(),
		deleteCommand(),
		scoreCommand(r.cfg.Rubric),
		contestCreateCommand(),
		contestEnterCommand(r.cfg.Rubric),
		contestJudgeCommand(),
		contestOrderCommand(r.cfg.Rubric),
		contestLengthCommand(r.cfg.Rubric),
		contestCloseCommand(r.cfg.Rubric),
		contestRankCommand(r.cfg.Rubric),
		contestRuleCommand(r.cfg.Rubric),
		contestExportCommand(r.cfg.Rubric),
		whoamiCommand(),
		helpCommand(r),
	}
}

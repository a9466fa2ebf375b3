package main

import (
	"context"
	"errors"
	"fmt"

	"dangke/store"
)

// parseMigrateDB reads `migrate-db --to URL`.
func (m *Main) parseMigrateDB(args []string) error {
	fs := m.flags("migrate-db", "把 --db 指定的 SQLite 数据库完整复制到一个空的 PostgreSQL 数据库，然后逐表核对行数、\n"+
		"逐个县市区核对累计数，并打印对照。目标库必须是空的（已有数据则拒绝）。复制时请先停止机器人。\n"+
		"密码可写在地址里，或放在环境变量 DANGKE_DB_PASSWORD 中（不会打印）。",
		exampleOf("dangke migrate-db"))
	fs.StringVar(&m.migrateTo, "to", "", "目标 PostgreSQL 地址 `URL`（postgres://用户@主机:5432/库名?sslmode=…）")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if !store.IsPostgres(m.migrateTo) {
		return m.usageError(fs, "migrate-db 要用 --to 指定 PostgreSQL 地址（以 postgres:// 开头）")
	}
	return nil
}

// runMigrateDB copies the SQLite database into PostgreSQL and prints the comparison.
func (m *Main) runMigrateDB(ctx context.Context) error {
	if store.IsPostgres(m.cfg.DB) {
		return errors.New("migrate-db 的 --db 要指向 SQLite 数据库文件，例如 --db /var/lib/dangke/dangke.db")
	}
	to, err := store.OpenWith(ctx, m.migrateTo, store.Options{Password: m.Getenv(store.PasswordEnv)})
	if err != nil {
		return err
	}
	defer to.Close()
	fmt.Fprintf(m.Stdout, "从 %s 复制到 %s …\n", m.cfg.DB, store.Redact(m.migrateTo))
	rep, err := store.Copy(ctx, m.store, to)
	if err != nil {
		return err
	}
	rep.Print(m.Stdout)
	if !rep.OK() {
		return errors.New("复制后两边不一致（见上表）；PostgreSQL 库请清空后重试，并保留 SQLite 文件")
	}
	fmt.Fprintln(m.Stdout, "复制完成，两边一致。把配置中的 db 改为 PostgreSQL 地址后启动机器人。")
	return nil
}

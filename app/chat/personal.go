package chat

import (
	"context"
	"fmt"

	"tugi/app/database"
	"tugi/app/privacy/person"
)

// The erasure of a person (app/privacy) in what app/chat owns. $1 is the person, $2 the
// pattern of their name and address, $3 the pseudonym; the person's chats are those they
// started (customer_id) or, for staff, took (agent_id).
const (
	theirChats           = `(SELECT id FROM chats WHERE customer_id = $1 OR agent_id = $1)`
	eraseOwnChatMessages = `UPDATE chat_messages SET body = $2 WHERE author_id = $1 AND body <> $2`
	redactChatMessages   = `
UPDATE chat_messages SET body = left(regexp_replace(body, $2, $3, 'gi'), 4000)
WHERE (author_id = $1 OR chat_id IN ` + theirChats + `) AND body ~* $2`
	eraseOwnChatFiles = `
DELETE FROM chat_files f USING chat_messages m
WHERE m.id = f.message_id AND m.author_id = $1
RETURNING f.sha256`
	redactChatFiles = `
UPDATE chat_files SET filename = left(regexp_replace(filename, $2, $3, 'gi'), 255)
WHERE chat_id IN ` + theirChats + ` AND filename ~* $2`
)

// ErasePerson applies e to chats through q, the erasure's transaction: the person's own
// messages are removed (e.RemoveChatText) or kept, their name and address are replaced by
// the pseudonym in every message of their chats, and the files they sent are deleted. It
// returns the contents of the deleted files.
func ErasePerson(ctx context.Context, q database.Queryer, e person.Erasure, c person.Counts) ([]string, error) {
	if e.RemoveChatText {
		if err := person.Run(ctx, q, "chat", c, person.Step{Kind: "chat_messages.removed", SQL: eraseOwnChatMessages,
			Args: []any{e.UserID, person.Removed}}); err != nil {
			return nil, err
		}
	}
	p := e.Pattern()
	err := person.Run(ctx, q, "chat", c,
		person.Step{Kind: "chat_messages.name_replaced", SQL: redactChatMessages, Args: []any{e.UserID, p, e.Alias}},
		person.Step{Kind: "chat_file_names.name_replaced", SQL: redactChatFiles, Args: []any{e.UserID, p, e.Alias}})
	if err != nil {
		return nil, err
	}
	var files []string
	if err := q.SelectContext(ctx, &files, eraseOwnChatFiles, e.UserID); err != nil {
		return nil, fmt.Errorf("chat: erase files of %d: %w", e.UserID, err)
	}
	c.Add("chat_files.deleted", int64(len(files)))
	return files, nil
}

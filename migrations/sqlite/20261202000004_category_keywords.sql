-- Words a category is known by besides its name ("security" for
-- Cybersecurity, "analytics" for Data), searched with the weight of a
-- title: someone typing them means the category's courses.
ALTER TABLE categories ADD COLUMN keywords TEXT NOT NULL DEFAULT '';

DROP TRIGGER courses_search_insert;
DROP TRIGGER courses_search_update;
DROP TRIGGER categories_search_rename;

CREATE TRIGGER courses_search_insert AFTER INSERT ON courses WHEN new.published BEGIN
    INSERT INTO course_search (rowid, title, summary, description, outcomes, category)
    VALUES (new.id, new.title, new.summary, new.description, new.outcomes,
            (SELECT name || ' ' || keywords FROM categories WHERE id = new.category_id));
END;

CREATE TRIGGER courses_search_update
AFTER UPDATE OF title, summary, description, outcomes, category_id, published ON courses BEGIN
    DELETE FROM course_search WHERE rowid = old.id;
    INSERT INTO course_search (rowid, title, summary, description, outcomes, category)
    SELECT new.id, new.title, new.summary, new.description, new.outcomes,
           (SELECT name || ' ' || keywords FROM categories WHERE id = new.category_id)
    WHERE new.published;
END;

CREATE TRIGGER categories_search_rename AFTER UPDATE OF name, keywords ON categories BEGIN
    -- Re-index the category's courses through the course trigger above.
    UPDATE courses SET category_id = category_id WHERE category_id = new.id;
END;

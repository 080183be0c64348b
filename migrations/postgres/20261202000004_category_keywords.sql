-- Words a category is known by besides its name ("security" for
-- Cybersecurity, "analytics" for Data), searched with the weight of a
-- title: someone typing them means the category's courses.
ALTER TABLE categories ADD COLUMN keywords TEXT NOT NULL DEFAULT '';

CREATE OR REPLACE FUNCTION courses_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('english', NEW.title), 'A') ||
        setweight(to_tsvector('english', coalesce(
            (SELECT name || ' ' || keywords FROM categories WHERE id = NEW.category_id), '')), 'A') ||
        setweight(to_tsvector('english', NEW.summary), 'B') ||
        setweight(to_tsvector('english', NEW.outcomes), 'C') ||
        setweight(to_tsvector('english', NEW.description), 'D');
    RETURN NEW;
END
$$;

DROP TRIGGER categories_search_rename ON categories;
CREATE TRIGGER categories_search_rename
AFTER UPDATE OF name, keywords ON categories
FOR EACH ROW EXECUTE FUNCTION categories_search_rename();

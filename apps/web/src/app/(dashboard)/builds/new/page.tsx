import { NewBuild } from "@/components/builds/NewBuild";

export default function Page() {
  return <NewBuild />;
}
